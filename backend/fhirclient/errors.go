package fhirclient

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode"
)

// Sentinel errors. Callers test them with errors.Is.
var (
	// ErrUnauthorized reports a 401: the access token is missing, expired
	// or revoked. The caller must reconnect; retrying cannot help.
	ErrUnauthorized = errors.New("fhirclient: unauthorized")

	// ErrRateLimited reports a 429 that persisted after the bounded waits.
	ErrRateLimited = errors.New("fhirclient: rate limited")

	// ErrInsecureBase reports a base that is neither https nor plain http on
	// a loopback address.
	ErrInsecureBase = errors.New("fhirclient: base must be https (or http on loopback)")

	// ErrUnmappableLink reports a Bundle link that cannot be rewritten onto
	// the practice base, so it is not followed and no token is sent to it.
	ErrUnmappableLink = errors.New("fhirclient: next link does not map onto the practice base")

	// ErrPageLoop reports a next link that was already followed in the same
	// search.
	ErrPageLoop = errors.New("fhirclient: paging loop")

	// ErrTooManyPages reports a search that passed Client.MaxPages.
	ErrTooManyPages = errors.New("fhirclient: too many pages")

	// ErrTooLarge reports a response body larger than Client.MaxBody.
	ErrTooLarge = errors.New("fhirclient: response too large")

	// ErrContentType reports a successful response that is not FHIR JSON.
	ErrContentType = errors.New("fhirclient: unexpected content type")

	// ErrBadResponse reports a successful response whose JSON is not the
	// expected resource or Bundle.
	ErrBadResponse = errors.New("fhirclient: malformed response")

	// ErrBadRequest reports an invalid type or id passed by the caller.
	ErrBadRequest = errors.New("fhirclient: invalid request")
)

// StatusError is a non-2xx answer. Diagnostics holds the issue diagnostics
// of the OperationOutcome that came with it, shortened and stripped of
// control characters; it is remote text and may be empty.
//
// A StatusError with Status 401 matches ErrUnauthorized and one with Status
// 429 matches ErrRateLimited under errors.Is.
type StatusError struct {
	Status      int
	Diagnostics []string
}

// Error returns the status and the diagnostics.
func (e *StatusError) Error() string {
	var b strings.Builder
	b.WriteString("fhirclient: HTTP ")
	b.WriteString(strconv.Itoa(e.Status))
	if len(e.Diagnostics) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Diagnostics, "; "))
	}
	return b.String()
}

// Is lets errors.Is match the sentinels that a status stands for.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == 401
	case ErrRateLimited:
		return e.Status == 429
	}
	return false
}

// Bounds on remote diagnostics kept in errors: they are untrusted text that
// ends up in the UI.
const (
	maxIssues     = 5
	maxIssueRunes = 300
)

// parseDiagnostics extracts issue[].diagnostics (or details.text) from an
// OperationOutcome body. It returns nil for anything else.
func parseDiagnostics(body []byte) []string {
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Diagnostics string `json:"diagnostics"`
			Details     struct {
				Text string `json:"text"`
			} `json:"details"`
		} `json:"issue"`
	}
	if json.Unmarshal(body, &oo) != nil || oo.ResourceType != "OperationOutcome" {
		return nil
	}
	var out []string
	for _, is := range oo.Issue {
		d := is.Diagnostics
		if d == "" {
			d = is.Details.Text
		}
		if d = clean(d); d != "" {
			out = append(out, d)
		}
		if len(out) == maxIssues {
			break
		}
	}
	return out
}

// clean drops control characters and shortens s to maxIssueRunes.
func clean(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if unicode.IsControl(r) {
			r = ' '
		}
		if n == maxIssueRunes {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}
