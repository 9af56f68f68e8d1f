// audit.go: "Check labels" — the page asks the model worker to audit the folder's
// cached features as `graft audit` does (app.Audit: out-of-fold heads, confident learning,
// cross-class near-duplicates) and shows the suspects; the user's decisions (move, exclude)
// become Changes, an overlay the model worker applies to the listing before each training.
//
//	page → model worker   audit           the listing, settings and the overlay so far
//	model worker → page   audit_progress  after each fold
//	model worker → page   audited         the findings (or why not); cancel with Cancel{Run}
package wire

// Message kinds of the label check.
const (
	KindAudit         = "audit"          // page → model worker
	KindAuditProgress = "audit_progress" // model worker → page
	KindAudited       = "audited"        // model worker → page
)

// Audit asks for the label check of listing Listing with the training settings (their head
// and resize mode; the strategy is always the conservative head), after Failed are dropped
// and Changes applied, on the cached features only: nothing is extracted. Folds 0: app's
// default (5).
type Audit struct {
	Run      int      `json:"run"`
	Listing  int      `json:"listing"`
	Settings Settings `json:"settings"`
	Failed   []Skip   `json:"failed,omitempty"`
	Changes  []Change `json:"changes,omitempty"`
	Folds    int      `json:"folds,omitempty"`
}

// AuditProgress: fold Done of Total has ended.
type AuditProgress struct {
	Run   int `json:"run"`
	Done  int `json:"done"`
	Total int `json:"total"`
}

// Audited is the label check's answer: Findings strongest first, or Error (Missing: how many
// photos had no cached features), or Cancelled.
type Audited struct {
	Run        int       `json:"run"`
	Examples   int       `json:"examples"`
	Folds      int       `json:"folds"`
	Mislabels  int       `json:"mislabels"`
	Duplicates int       `json:"duplicates"`
	Findings   []Finding `json:"findings,omitempty"`
	Ms         float64   `json:"ms"`
	Error      string    `json:"error,omitempty"`
	Missing    int       `json:"missing,omitempty"`
	Cancelled  bool      `json:"cancelled,omitempty"`
}

// Finding is one suspect photo (app.Finding) with its content hash (the overlay's key).
type Finding struct {
	Kind      string  `json:"kind"` // "mislabel" or "duplicate"
	Path      string  `json:"path"`
	Hash      string  `json:"hash"`
	Label     string  `json:"label"`
	Suggested string  `json:"suggested"`
	Score     float64 `json:"score"`
	Other     string  `json:"other,omitempty"` // a duplicate's other photo
	OtherHash string  `json:"other_hash,omitempty"`
	Confident bool    `json:"confident,omitempty"`
}

// Change is one decision of the label check, applied to the listing before training: the
// photo whose content hash is Hash moves to class Class, or is left out (Exclude). Path is
// where it was when decided (for the page's words). Nothing is written to the folder.
type Change struct {
	Hash    string `json:"hash"`
	Path    string `json:"path"`
	Class   string `json:"class,omitempty"`
	Exclude bool   `json:"exclude,omitempty"`
}

// ReasonExcluded is the skip reason of a photo a Change leaves out.
const ReasonExcluded = "excluded by the label check"

// Finding kinds (app.KindMislabel, app.KindDuplicate).
const (
	KindMislabelFinding  = "mislabel"
	KindDuplicateFinding = "duplicate"
)
