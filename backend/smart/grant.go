package smart

import (
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Grant is the result of a successful login. AccessToken and IDToken are
// secrets, and Claims and Patient identify the patient: LogValue, String and
// GoString redact them. Unlike oauth2.Token, it keeps the id_token when
// marshalled to JSON, so it can be stored in the vault as it is. Scope is
// what the server granted (the request when it said nothing); Expiry is
// zero when the server sent no expires_in. There is never a refresh token:
// healow gives public apps none (HEALOW.md §1).
type Grant struct {
	AccessToken string         `json:"access_token"`
	TokenType   string         `json:"token_type"`
	Scope       string         `json:"scope"`
	Patient     string         `json:"patient"`
	FHIRUser    string         `json:"fhir_user,omitempty"`
	IDToken     string         `json:"id_token,omitempty"`
	Expiry      time.Time      `json:"expiry"`
	Claims      map[string]any `json:"claims,omitempty"`
}

// Expired reports whether the access token has expired at now. A grant
// without an expiry never expires by this test.
func (g *Grant) Expired(now time.Time) bool {
	return g != nil && !g.Expiry.IsZero() && !now.Before(g.Expiry)
}

// LogValue logs what is safe: type, scope count, expiry and which parts are
// present.
func (g Grant) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token_type", g.TokenType),
		slog.Int("scopes", len(strings.Fields(g.Scope))),
		slog.Time("expiry", g.Expiry),
		slog.String("access_token", redacted(g.AccessToken)),
		slog.String("id_token", redacted(g.IDToken)),
		slog.Bool("has_patient", g.Patient != ""),
	)
}

// String describes the grant without secrets, so that %v is safe.
func (g Grant) String() string {
	return fmt.Sprintf("smart.Grant{TokenType:%s Scopes:%d Expiry:%s AccessToken:%s}",
		g.TokenType, len(strings.Fields(g.Scope)), g.Expiry.Format(time.RFC3339),
		redacted(g.AccessToken))
}

// GoString keeps %#v from printing the secrets.
func (g Grant) GoString() string { return g.String() }

// fhirID is the FHIR id grammar; ids go into request paths, so a server
// answer that is not an id is refused.
var fhirID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// parseFHIRUser splits a fhirUser reference, relative ("Patient/123") or
// absolute ("https://host/fhir/r4/CODE/Patient/123"), into type and id. A
// trailing "_history/{v}" is ignored.
func parseFHIRUser(ref string) (typ, id string, err error) {
	p := ref
	if u, perr := url.Parse(ref); perr == nil && u.IsAbs() {
		p = u.Path
	}
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if n := len(parts); n >= 4 && parts[n-2] == "_history" {
		parts = parts[:n-2]
	}
	if len(parts) < 2 {
		return "", "", fmt.Errorf("smart: fhirUser %q is not a reference", cleanText(ref))
	}
	typ, id = parts[len(parts)-2], parts[len(parts)-1]
	if !fhirID.MatchString(id) {
		return "", "", fmt.Errorf("smart: fhirUser id %q is not a FHIR id", cleanText(id))
	}
	return typ, id, nil
}

// resolvePatient picks the patient id: the token response's patient
// context, else a fhirUser of type Patient (HEALOW.md §4 step 8). A
// fhirUser of another type, such as a RelatedPerson proxy account, without
// a patient context gives ErrNotPatient.
func resolvePatient(patient, fhirUser string) (string, error) {
	if patient != "" {
		if !fhirID.MatchString(patient) {
			return "", fmt.Errorf("%w: patient %q is not a FHIR id", ErrNoPatient, cleanText(patient))
		}
		return patient, nil
	}
	if fhirUser == "" {
		return "", ErrNoPatient
	}
	typ, id, err := parseFHIRUser(fhirUser)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoPatient, err)
	}
	if typ != "Patient" {
		return "", fmt.Errorf("%w: fhirUser is a %s", ErrNotPatient, cleanText(typ))
	}
	return id, nil
}
