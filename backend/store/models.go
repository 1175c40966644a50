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
	Category string
	// Removed marks a resource the server no longer returns.
	Removed   bool `gorm:"not null;default:false"`
	FetchedAt time.Time
}

// Attachment is the content of one DocumentReference attachment (or another
// resource's), kept as the bytes decoded from base64, never re-encoded.
type Attachment struct {
	ConnectionID string `gorm:"primaryKey;priority:1"`
	ResourceType string `gorm:"primaryKey;priority:2"`
	ResourceID   string `gorm:"primaryKey;priority:3"`
	Index        int    `gorm:"primaryKey;priority:4;column:idx;autoIncrement:false"`
	ContentType  string
	Bytes        []byte
	Size         int64
	FetchedAt    time.Time
}

// SyncRun records one synchronisation. Counts and Errors hold JSON objects
// keyed by resource type.
type SyncRun struct {
	ID           uint   `gorm:"primaryKey"`
	ConnectionID string `gorm:"index"`
	StartedAt    time.Time
	FinishedAt   *time.Time
	Status       string
	Counts       string
	Errors       string
}

// Run statuses.
const (
	RunRunning = "running"
	RunOK      = "ok"
	RunPartial = "partial"
	RunFailed  = "failed"
)
