package fhirdata

import (
	"regexp"
	"time"
)

// DefaultZone is the practice's local zone when Options.Zone is nil: a fixed
// UTC-05:00, written "-05:00" in every dateTime.
var DefaultZone = time.FixedZone("-05:00", -5*60*60)

// dateTimeRE matches a FHIR dateTime or instant that has a time part and a zone.
// Date-only values (and partial dates) do not match and are kept as written.
var dateTimeRE = regexp.MustCompile(
	`^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

// dateTimeLayout writes the zone as ±hh:mm, never Z, the way healow writes it.
const dateTimeLayout = "2006-01-02T15:04:05"

// inZone rewrites s into zone when it is a dateTime with a time part, keeping
// the fractional seconds exactly as written; any other string is returned as is.
func inZone(s string, zone *time.Location) string {
	if len(s) < 16 || s[4] != '-' || s[10] != 'T' {
		return s
	}
	m := dateTimeRE.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	clock, frac, offset := m[1], m[2], m[3]
	layout := dateTimeLayout
	if len(clock) == len("2006-01-02T15:04") {
		layout = "2006-01-02T15:04"
	}
	t, err := time.Parse(layout+"Z07:00", clock+offset)
	if err != nil {
		return s
	}
	return formatDateTime(t.In(zone), frac)
}

// formatDateTime writes t with seconds, the given fraction text and a ±hh:mm
// offset.
func formatDateTime(t time.Time, frac string) string {
	return t.Format(dateTimeLayout) + frac + t.Format("-07:00")
}
