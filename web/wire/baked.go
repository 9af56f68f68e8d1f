// baked.go: the head a build baked in (./build.sh dist --head FILE writes
// dist/head.json and the file at heads/<sha256[:16]>.grafthead). The model worker reads
// head.json at start and posts a Baked (State BakedLoading: the page can take its title and
// classes at once), then, once the model is up, imports the file into the saved heads (once:
// matched by SHA-256) and makes it active (BakedActive), or says why it cannot (BakedRefused).
package wire

// KindBaked is model worker → page: the baked head and what became of it.
const KindBaked = "baked"

// HeadBundle is a head operation: send saved head ID's deploy bundle (app.DeployBundle, a zip)
// as a head_file.
const HeadBundle = "bundle"

// Baked states.
const (
	BakedLoading = "loading" // head.json read; the file is not checked yet
	BakedActive  = "active"  // imported (ID) and classifying photos
	BakedRefused = "refused" // Message says why; the page shows ImageNet's labels
)

// Baked is the build's head.
type Baked struct {
	State   string   `json:"state"`
	Title   string   `json:"title"`
	Classes []string `json:"classes"`
	OpenSet bool     `json:"open_set"`
	ID      int      `json:"id,omitempty"`      // its saved head's ID, once BakedActive
	Message string   `json:"message,omitempty"` // BakedRefused: why, in words
}
