package store

import "time"

// Connection is one patient's link to one practice. It holds no secrets:
// tokens live in the OS keychain (backend/vault).
type Connection struct {
	ID           string `gorm:"primaryKey"`
	Label        string
	PracticeCode string
	PracticeName string
	Base         string
	ClientID     string
	RedirectURI  string
	PatientID    string
	Scope        string
	Status       string
	ExpiresAt    *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Resource is one FHIR resource as downloaded, with a few columns extracted
// for listing. The key is (ConnectionID, Type, ID); ids are compared
// byte for byte (SQLite's BINARY collation), because healow ids may differ
// only by case (HEALOW.md §3).
type Resource struct {
	ConnectionID string `gorm:"primaryKey;priority:1;index:idx_resources_list,priority:1"`
	Type         string `gorm:"primaryKey;priority:2;index:idx_resources_list,priority:2"`
	ID           string `gorm:"primaryKey;priority:3"`
	// Raw is the resource JSON exactly as the server sent it.
	Raw []byte `gorm:"not null"`
	// Date is the resource's main date as written, offset included.
	Date string
	// SortTime is Date as an instant, nil when unknown (or a pre-1900
	// sentinel). The store keeps it in UTC, truncated to the second, so
	// that its text form sorts chronologically.
	SortTime *time.Time `gorm:"index:idx_resources_list,priority:3"`
	Display  string
	Status   string
	Code     string
	Value    string
	Unit     string
	// RefRange is the first reference range in words ("4.0–5.6 %").
	RefRange string
	Category string
	// Removed marks a resource the server no longer returns.
	Removed bool `gorm:"not null;default:false"`
	// Cycle is the sync cycle (SyncCycle.ID) that last stored the row; 0
	// when it was stored outside one. MarkStale compares it.
	Cycle     uint `gorm:"not null;default:0"`
	FetchedAt time.Time
}

// Attachment is the content of one attachment of a resource: a
// DocumentReference's content[Index].attachment or a DiagnosticReport's
// presentedForm[Index]. Bytes are exactly the bytes decoded from base64,
// never re-encoded or converted to text.
//
// A row without Bytes records an attachment that was not downloaded, with
// the reason in Message (too large, not permitted, failed).
type Attachment struct {
	ConnectionID string `gorm:"primaryKey;priority:1"`
	ResourceType string `gorm:"primaryKey;priority:2"`
	ResourceID   string `gorm:"primaryKey;priority:3"`
	Index        int    `gorm:"primaryKey;priority:4;column:idx;autoIncrement:false"`
	ContentType  string
	Title        string
	// URL is the attachment's url as written (a Binary reference); empty
	// for inline data.
	URL   string
	Bytes []byte
	// Size is len(Bytes), or for an attachment not downloaded the size the
	// resource announced (0 when unknown).
	Size int64
	// Message says why Bytes is empty; empty when the bytes are stored.
	Message   string
	FetchedAt time.Time
}

// Stored reports whether the attachment's bytes were downloaded.
func (a *Attachment) Stored() bool { return a.Message == "" }

// SyncRun records one synchronisation. Counts and Errors hold JSON objects
// keyed by resource type; CountsMap and ErrorsMap decode them.
type SyncRun struct {
	ID           uint   `gorm:"primaryKey"`
	ConnectionID string `gorm:"index"`
	StartedAt    time.Time
	FinishedAt   *time.Time
	Status       string
	Counts       string
	Errors       string
	// Cycle is the sync cycle the run worked on; Resumed is set when the
	// run continued a cycle an earlier run had left unfinished.
	Cycle   uint
	Resumed bool
}

// Run statuses. A run still "running" when the next one starts was cut
// short (the process died) and becomes RunInterrupted.
const (
	RunRunning     = "running"
	RunOK          = "ok"
	RunPartial     = "partial"
	RunFailed      = "failed"
	RunCancelled   = "cancelled"
	RunInterrupted = "interrupted"
)

// SyncCycle is one complete download of a connection, possibly spread over
// several runs: a run interrupted by an expired token, a cancel or a crash
// leaves its cycle open, and a resumed run continues it from the cursors.
// Each connection has at most one row: the latest cycle.
type SyncCycle struct {
	ConnectionID string `gorm:"primaryKey"`
	// ID is the ID of the run that started the cycle.
	ID        uint
	StartedAt time.Time
	// Closed is set when a run of the cycle ended on its own, errors or
	// not; a closed cycle is never resumed.
	Closed bool
}

// SyncCursor is where one search of a cycle stands: the next-page link
// after the last committed page, saved in the same transaction as that
// page. A cursor with neither Next nor Done has not committed a page.
type SyncCursor struct {
	ConnectionID string `gorm:"primaryKey;priority:1"`
	// Search names the search (sync.Search.Key).
	Search string `gorm:"primaryKey;priority:2"`
	Cycle  uint
	// Next is the link to the next page, already rewritten onto the base.
	Next string
	// Pages counts the pages committed in the cycle.
	Pages int
	// Done is set when the last page (one without a next link) is
	// committed.
	Done      bool
	UpdatedAt time.Time
}
