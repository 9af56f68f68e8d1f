// sort.go: the messages of "sort a folder" — classify a folder of unlabelled photos with the
// active head over the worker pool, then optionally write copies into class folders:
//
//	page → model worker   sort_start  run Run: the active head, please
//	model worker → page   sort_ready  its name, classes and CSV header, its file ("file" beside)
//	page → pool worker    sort_run    run Run's head file ("blob" beside), before its photos
//	page → any worker     sort_photo  one photo (its File as "blob" beside) → sorted
//	page → model worker   sort_plan   where the copies go (app.SortPlan) → sort_names
//
// Cancel (train.go's) stops a sort run too: workers drop its queued photos.
package wire

// Message kinds of the sort flow.
const (
	KindSortStart = "sort_start"
	KindSortReady = "sort_ready"
	KindSortRun   = "sort_run"
	KindSortPhoto = "sort_photo"
	KindSorted    = "sorted"
	KindSortPlan  = "sort_plan"
	KindSortNames = "sort_names"
)

// SortStart asks the model worker for the active head, to sort with it as run Run.
type SortStart struct {
	Run int `json:"run"`
}

// SortReady answers SortStart: the head (its file beside) or why there is none.
type SortReady struct {
	Run       int      `json:"run"`
	Head      string   `json:"head"`
	Classes   []string `json:"classes"`
	CSVHeader []string `json:"csv_header"` // app.CSVHeader: graft classify --csv's columns
	SortedTo  int      `json:"sorted_to"`  // index of the sorted_to column (app.CSVSortedTo)
	Error     string   `json:"error,omitempty"`
}

// SortRun gives a worker run Run's head file (the "blob" beside: a Uint8Array).
type SortRun struct {
	Run int `json:"run"`
}

// SortPhoto asks for one photo's class (its File is the "blob" beside).
type SortPhoto struct {
	ID    int    `json:"id"`
	Run   int    `json:"run"`
	Path  string `json:"path"`
	Type  string `json:"type"`
	Bytes int64  `json:"bytes"`
}

// Sorted is one photo's answer: the head's class and probability, whether it is none of the
// classes, the folder a copy goes to, and its CSV row (app.CSVRow, sorted_to empty); or why not.
type Sorted struct {
	ID          int      `json:"id"`
	Run         int      `json:"run"`
	Best        int      `json:"best"`
	Prob        float32  `json:"prob"`
	Unknown     bool     `json:"unknown"`
	Folder      string   `json:"folder"`
	CSV         []string `json:"csv,omitempty"`
	Undecodable string   `json:"undecodable,omitempty"`
	Error       string   `json:"error,omitempty"`
	Ms          float64  `json:"ms"`
}

// SortPlan asks where copies go: Existing are the paths already in the chosen folder (slash
// separated, relative to it), Items the photos in order.
type SortPlan struct {
	Run      int        `json:"run"`
	Classes  []string   `json:"classes"`
	Existing []string   `json:"existing"`
	Items    []SortItem `json:"items"`
}

// SortItem is one photo to copy: its class folder and its file name.
type SortItem struct {
	Folder string `json:"folder"`
	Name   string `json:"name"`
}

// SortNames answers SortPlan: Paths[i] is Items[i]'s copy, relative to the chosen folder.
type SortNames struct {
	Run   int      `json:"run"`
	Paths []string `json:"paths"`
	Error string   `json:"error,omitempty"`
}
