package present

import (
	"strings"
	"time"
)

// Date shows a FHIR date or dateTime as written by the practice, without
// moving it into the viewer's time zone (HEALOW.md §3: every dateTime
// carries the practice's offset, date-only facts are local midnight).
// Dates before 1900 are healow's sentinels for "unknown" and give "".
func Date(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 4 || s[:4] < "1900" {
		return ""
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
			return t.Format("Jan 2, 2006")
		}
		return t.Format("Jan 2, 2006, 3:04 PM")
	}
	for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			switch layout {
			case "2006-01-02":
				return t.Format("Jan 2, 2006")
			case "2006-01":
				return t.Format("Jan 2006")
			}
			return s
		}
	}
	return s
}
