package smart

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"golang.org/x/oauth2"
)

// Sentinel errors of the launch. Errors returned by this package wrap one of
// these, an *OAuthError, or an *IssuerMismatchError.
var (
	// ErrUnknownState: the redirect carries a state no pending attempt has.
	ErrUnknownState = errors.New("smart: unknown login state")
	// ErrExpiredState: the attempt under that state is older than its TTL.
	ErrExpiredState = errors.New("smart: login attempt expired")
	// ErrReusedState: the attempt under that state was already redeemed.
	ErrReusedState = errors.New("smart: login attempt already used")
	// ErrCancelledState: the attempt under that state was cancelled (or
	// timed out) in the app before the redirect came back; see Pending.Drop.
	ErrCancelledState = errors.New("smart: login attempt cancelled")
	// ErrNoCode: the redirect has neither a code nor an error.
	ErrNoCode = errors.New("smart: no authorization code in the redirect")
	// ErrTokenType: the token response is not a Bearer token.
	ErrTokenType = errors.New("smart: token is not a Bearer token")
	// ErrIDToken: the id_token failed verification (signature, audience,
	// expiry, nonce or shape).
	ErrIDToken = errors.New("smart: id_token rejected")
	// ErrNotPatient: the login is not a patient's own (fhirUser names a
	// RelatedPerson or another type) and no patient context was given.
	ErrNotPatient = errors.New("smart: the signed-in user is not a patient")
	// ErrNoPatient: neither the token response nor fhirUser names a patient.
	ErrNoPatient = errors.New("smart: the server named no patient")
	// ErrAccessDenied matches an *OAuthError whose code is access_denied.
	ErrAccessDenied = errors.New("smart: access denied")
	// ErrBadClient reports a Client without a client id or with an unusable
	// redirect URI.
	ErrBadClient = errors.New("smart: client not configured")
)

// maxErrorText bounds server-supplied error text kept in an OAuthError.
const maxErrorText = 300

// OAuthError is an OAuth 2.0 error answer, from the token endpoint (Status
// is its HTTP status) or from the redirect (Status is 0). Code and
// Description come from an untrusted server: they are bounded and stripped
// of control characters, and must still be escaped when shown.
type OAuthError struct {
	Status      int
	Code        string
	Description string
}

// Error names the code, the description and the HTTP status.
func (e *OAuthError) Error() string {
	var b strings.Builder
	b.WriteString("smart: authorization server answered ")
	switch {
	case e.Code != "" && e.Description != "":
		fmt.Fprintf(&b, "%q (%q)", e.Code, e.Description)
	case e.Code != "":
		fmt.Fprintf(&b, "%q", e.Code)
	case e.Description != "":
		fmt.Fprintf(&b, "an error (%q)", e.Description)
	default:
		b.WriteString("an error")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " with HTTP %d", e.Status)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrAccessDenied) true for an access_denied answer.
func (e *OAuthError) Is(target error) bool {
	return target == ErrAccessDenied && e.Code == "access_denied"
}

// Advice says in plain words what the patient can do about the error.
func (e *OAuthError) Advice() string {
	switch e.Code {
	case "access_denied":
		return "Access was not allowed. If you did not cancel, ask your practice " +
			"to enable healow FHIR access for patients."
	case "invalid_client", "unauthorized_client":
		return "healow did not recognise Chartkeep's client id. Check the client id " +
			"in Settings against the one on the healow developer portal."
	case "invalid_grant":
		return "healow did not accept the sign-in, possibly because it took too " +
			"long or a requested scope is not registered. Please try again."
	case "invalid_scope":
		return "healow refused a requested permission. Check that the app's scopes " +
			"match the ones registered on the healow developer portal."
	case "temporarily_unavailable", "server_error":
		return "healow had a problem. Please try again in a few minutes."
	}
	return "healow refused the sign-in. Please try again; if it keeps failing, " +
		"ask your practice to enable healow FHIR access."
}

// knownCodes are the error codes of RFC 6749, OIDC Core and SMART.
var knownCodes = map[string]bool{
	"invalid_request": true, "invalid_client": true, "invalid_grant": true,
	"unauthorized_client": true, "unsupported_grant_type": true,
	"invalid_scope": true, "access_denied": true, "server_error": true,
	"unsupported_response_type": true, "temporarily_unavailable": true,
	"login_required": true, "consent_required": true,
	"interaction_required": true, "invalid_token": true,
}

// newOAuthError cleans code and description and puts them back in their
// places when the server swapped them: healow once answered
// {"error":"403","error_description":"invalid_request"} (HEALOW.md §1).
func newOAuthError(status int, code, desc string) *OAuthError {
	code, desc = cleanText(code), cleanText(desc)
	if !knownCodes[code] && knownCodes[desc] {
		code, desc = desc, code
	}
	return &OAuthError{Status: status, Code: code, Description: desc}
}

// cleanText trims, bounds and strips control characters from server text.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	if r := []rune(s); len(r) > maxErrorText {
		s = string(r[:maxErrorText]) + "…"
	}
	return s
}

// tokenError turns an x/oauth2 token error into an *OAuthError when the
// server answered, and wraps transport errors otherwise. The response body
// is never included: it is untrusted and may be large.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("smart: token request: %w", err)
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	oe := newOAuthError(status, re.ErrorCode, re.ErrorDescription)
	if oe.Code == "" && oe.Description == "" && status != 0 {
		oe.Description = http.StatusText(status)
	}
	return oe
}

// CallbackError returns the error carried by the redirect, or nil when it
// carries none. Both fields are kept (they can be swapped, HEALOW.md §4
// step 5); errors.Is(err, ErrAccessDenied) tells a refusal apart.
func CallbackError(cb Callback) error {
	if cb.Error == "" && cb.ErrorDescription == "" {
		return nil
	}
	return newOAuthError(0, cb.Error, cb.ErrorDescription)
}

// IssuerMismatchError reports an id_token whose iss is not the expected
// issuer. healow's real iss is undocumented (HEALOW.md §5); when it differs
// from the discovered issuer, set Client.ExpectedIssuer to Got after
// checking it is genuine.
type IssuerMismatchError struct {
	Expected, Got string
}

// Error names both issuers.
func (e *IssuerMismatchError) Error() string {
	return fmt.Sprintf("smart: id_token issuer is %q but %q was expected "+
		"(set the expected issuer if the practice's server really uses %q)",
		e.Got, e.Expected, e.Got)
}

// Unwrap makes errors.Is(err, ErrIDToken) true.
func (e *IssuerMismatchError) Unwrap() error { return ErrIDToken }
