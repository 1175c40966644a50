package smart

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// DefaultClockSkew is how far the local clock may be behind the server's
// when checking id_token expiry; go-oidc itself allows none.
const DefaultClockSkew = 2 * time.Minute

// discoveryTTL is how long a smart-configuration is reused (HEALOW.md §4
// step 1 asks to cache it).
const discoveryTTL = time.Hour

// maxCodeLen bounds the authorization code taken from the redirect.
const maxCodeLen = 4096

// Client runs logins for one registered app. Set the exported fields before
// the first call and do not change them afterwards; the methods are then
// safe for concurrent use. A Client must not be copied after first use.
type Client struct {
	// HTTP makes every request (discovery, token, JWKS). It is copied, never
	// modified: redirects are refused for the token request and the JWKS,
	// and a 30 s timeout is added when it has none. Nil means a default.
	HTTP *http.Client
	// ClientID and RedirectURI are the values registered on the healow
	// portal. RedirectURI must be https, or http on a loopback IP (demo).
	ClientID, RedirectURI string
	// Scopes asked for; empty means DefaultScopes().
	Scopes []string
	// ExpectedIssuer is the iss an id_token must carry. Empty means the
	// discovered issuer, the best guess for healow (HEALOW.md §5).
	ExpectedIssuer string
	// ClockSkew allowed on id_token expiry; 0 means DefaultClockSkew.
	ClockSkew time.Duration
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
	// FitScopes adapts the scopes asked for to the practice's
	// scopes_supported (see FitScopes) instead of sending them as they are.
	FitScopes bool

	mu      sync.Mutex
	configs map[string]cachedConfig
	keySets map[string]*oidc.RemoteKeySet
}

// cachedConfig is a discovered configuration and when it was fetched.
type cachedConfig struct {
	cfg *Configuration
	at  time.Time
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Begin starts a login at the practice whose FHIR base is base: it
// discovers the configuration (cached for an hour), makes a fresh PKCE S256
// verifier, a 256-bit state and a 256-bit nonce, and returns the URL to open
// in the system browser with the Attempt to keep in a Pending store.
func (c *Client) Begin(ctx context.Context, base string) (string, *Attempt, error) {
	if err := c.checkClient(); err != nil {
		return "", nil, err
	}
	base, err := NormalizeBase(base)
	if err != nil {
		return "", nil, err
	}
	cfg, err := c.configuration(ctx, base)
	if err != nil {
		return "", nil, err
	}
	a := &Attempt{
		State:       randomToken(),
		Nonce:       randomToken(),
		Verifier:    oauth2.GenerateVerifier(),
		Base:        base,
		RedirectURI: c.RedirectURI,
		ClientID:    c.ClientID,
		Scopes:      c.scopesFor(cfg),
		Config:      cfg,
		Created:     c.now(),
	}
	oc := oauthConfig(a)
	// Parameters as in HEALOW.md §4 step 4; aud is the base, exactly.
	authURL := oc.AuthCodeURL(a.State,
		oauth2.S256ChallengeOption(a.Verifier),
		oauth2.SetAuthURLParam("aud", a.Base),
		oauth2.SetAuthURLParam("nonce", a.Nonce))
	slog.Debug("smart: login begun", "attempt", a)
	return authURL, a, nil
}

// checkClient validates the registered client id and redirect URI.
func (c *Client) checkClient() error {
	if strings.TrimSpace(c.ClientID) == "" {
		return fmt.Errorf("%w: no client id", ErrBadClient)
	}
	u, err := url.Parse(c.RedirectURI)
	if err != nil || u.Host == "" || u.Fragment != "" ||
		(u.Scheme != "https" && !isLoopbackHTTP(u)) {
		return fmt.Errorf("%w: redirect URI %q must be an https URL", ErrBadClient, c.RedirectURI)
	}
	for _, s := range c.scopes() {
		if s == "" || strings.ContainsAny(s, " \t\r\n") {
			return fmt.Errorf("%w: malformed scope %q", ErrBadClient, s)
		}
	}
	return nil
}

// scopes returns a copy of the configured scopes or the defaults.
func (c *Client) scopes() []string {
	if len(c.Scopes) == 0 {
		return DefaultScopes()
	}
	return append([]string(nil), c.Scopes...)
}

func (c *Client) scopesFor(cfg *Configuration) []string {
	if !c.FitScopes {
		return c.scopes()
	}
	return FitScopes(c.scopes(), cfg.ScopesSupported)
}

// Configuration returns the practice's smart-configuration, discovered or
// from the one-hour cache.
func (c *Client) Configuration(ctx context.Context, base string) (*Configuration, error) {
	base, err := NormalizeBase(base)
	if err != nil {
		return nil, err
	}
	return c.configuration(ctx, base)
}

// configuration returns the cached or freshly discovered configuration.
func (c *Client) configuration(ctx context.Context, base string) (*Configuration, error) {
	c.mu.Lock()
	cc, ok := c.configs[base]
	c.mu.Unlock()
	if ok && c.now().Sub(cc.at) < discoveryTTL {
		return cc.cfg, nil
	}
	cfg, err := Discover(ctx, c.HTTP, base)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.configs == nil {
		c.configs = make(map[string]cachedConfig)
	}
	c.configs[base] = cachedConfig{cfg: cfg, at: c.now()}
	c.mu.Unlock()
	return cfg, nil
}

// oauthConfig is the x/oauth2 view of an attempt: a public client, so the
// secret is empty and the client id goes in the form (HEALOW.md §1).
func oauthConfig(a *Attempt) *oauth2.Config {
	return &oauth2.Config{
		ClientID: a.ClientID,
		Endpoint: oauth2.Endpoint{
			AuthURL:   a.Config.AuthorizationEndpoint,
			TokenURL:  a.Config.TokenEndpoint,
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: a.RedirectURI,
		Scopes:      a.Scopes,
	}
}

// randomToken returns 256 random bits, base64url without padding.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Complete finishes a login from its redirect. As HEALOW.md §4 step 5 asks,
// an error in the redirect is reported first (as an *OAuthError); the
// attempt under the state is taken from p in every case, so it cannot be
// used again. The returned attempt is nil when the state was not known,
// which tells the caller not to fail a login still in progress.
func (c *Client) Complete(ctx context.Context, p *Pending, cb Callback) (*Attempt, *Grant, error) {
	a, terr := p.Take(cb.State)
	if err := CallbackError(cb); err != nil {
		return a, nil, err
	}
	if terr != nil {
		return nil, nil, terr
	}
	g, err := c.Exchange(ctx, a, cb.Code)
	return a, g, err
}

// Exchange redeems code for a grant: a form POST with grant_type, code,
// redirect_uri, client_id and code_verifier and no Authorization header.
// It checks the token type, verifies the id_token when there is one and
// resolves the patient. The caller must have taken a from a Pending store.
func (c *Client) Exchange(ctx context.Context, a *Attempt, code string) (*Grant, error) {
	if a == nil || a.Config == nil {
		return nil, errors.New("smart: exchange without an attempt")
	}
	if code == "" {
		return nil, ErrNoCode
	}
	if len(code) > maxCodeLen {
		return nil, fmt.Errorf("%w: code longer than %d bytes", ErrNoCode, maxCodeLen)
	}
	start := c.now()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, strictClient(c.HTTP))
	tok, err := oauthConfig(a).Exchange(ctx, code,
		oauth2.VerifierOption(a.Verifier),
		oauth2.SetAuthURLParam("redirect_uri", a.RedirectURI))
	if err != nil {
		err = tokenError(err)
		slog.Info("smart: token request failed", "base", a.Base, "error", err)
		return nil, err
	}
	g, err := c.grant(ctx, a, tok)
	if err != nil {
		slog.Info("smart: token response refused", "base", a.Base, "error", err)
		return nil, err
	}
	slog.Info("smart: login complete", "base", a.Base, "grant", g,
		"took", c.now().Sub(start))
	return g, nil
}

// grant checks a token response and builds the Grant.
func (c *Client) grant(ctx context.Context, a *Attempt, tok *oauth2.Token) (*Grant, error) {
	if !strings.EqualFold(tok.TokenType, "Bearer") {
		return nil, fmt.Errorf("%w: got %q", ErrTokenType, cleanText(tok.TokenType))
	}
	g := &Grant{
		AccessToken: tok.AccessToken,
		TokenType:   "Bearer",
		Scope:       extraString(tok, "scope"),
		IDToken:     extraString(tok, "id_token"),
		FHIRUser:    extraString(tok, "fhirUser"),
		Expiry:      tok.Expiry,
	}
	if g.Scope == "" {
		// RFC 6749 §5.1: an omitted scope is the scope requested.
		g.Scope = strings.Join(a.Scopes, " ")
	}
	if g.IDToken != "" {
		claims, err := c.verifyIDToken(ctx, a, g.IDToken)
		if err != nil {
			return nil, err
		}
		g.Claims = claims
		if fu, ok := claims["fhirUser"].(string); ok && fu != "" {
			g.FHIRUser = fu
		}
	}
	patient, err := resolvePatient(extraString(tok, "patient"), g.FHIRUser)
	if err != nil {
		return nil, err
	}
	if typ, id, err := parseFHIRUser(g.FHIRUser); err == nil && typ == "Patient" && id != patient {
		slog.Warn("smart: patient context differs from fhirUser; using the patient context")
	}
	g.Patient = patient
	return g, nil
}

// extraString returns a string field of the token response, or "".
func extraString(tok *oauth2.Token, key string) string {
	s, _ := tok.Extra(key).(string)
	return s
}
