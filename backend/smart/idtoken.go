package smart

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// signingAlgs are the asymmetric algorithms accepted on an id_token. The
// key type in the JWKS must still match the algorithm.
var signingAlgs = []string{
	oidc.RS256, oidc.RS384, oidc.RS512, oidc.PS256, oidc.PS384, oidc.PS512,
	oidc.ES256, oidc.ES384, oidc.ES512,
}

// verifyIDToken checks the id_token as HEALOW.md §4 step 8 asks: signature
// against jwks_uri, aud contains the client id, expiry with a small skew,
// the nonce sent, and iss. It returns the token's claims.
func (c *Client) verifyIDToken(ctx context.Context, a *Attempt,
	raw string) (map[string]any, error) {
	if a.Config.JWKSURI == "" {
		return nil, fmt.Errorf("%w: the practice publishes no jwks_uri", ErrIDToken)
	}
	skew := c.ClockSkew
	if skew <= 0 {
		skew = DefaultClockSkew
	}
	// go-oidc compares exp with Now and allows no skew: move its clock back.
	v := oidc.NewVerifier(c.expectedIssuer(a), c.keySet(a.Config.JWKSURI), &oidc.Config{
		ClientID:             a.ClientID,
		SupportedSigningAlgs: signingAlgs,
		// The issuer is checked below, with an error that names both values.
		SkipIssuerCheck: true,
		Now:             func() time.Time { return c.now().Add(-skew) },
	})
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		var exp *oidc.TokenExpiredError
		if errors.As(err, &exp) {
			return nil, fmt.Errorf("%w: expired at %s", ErrIDToken, exp.Expiry.UTC().Format(time.RFC3339))
		}
		return nil, fmt.Errorf("%w: %w", ErrIDToken, err)
	}
	if err := c.checkClaims(a, idt, skew); err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: claims: %w", ErrIDToken, err)
	}
	return claims, nil
}

// checkClaims does what go-oidc leaves to the caller: iss, nonce (compared
// in constant time), azp when there are several audiences, and iat.
func (c *Client) checkClaims(a *Attempt, idt *oidc.IDToken, skew time.Duration) error {
	if want := c.expectedIssuer(a); idt.Issuer != want {
		return &IssuerMismatchError{Expected: want, Got: cleanText(idt.Issuer)}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(a.Nonce)) != 1 {
		return fmt.Errorf("%w: nonce does not match the one sent", ErrIDToken)
	}
	if len(idt.Audience) > 1 {
		var extra struct {
			AZP string `json:"azp"`
		}
		_ = idt.Claims(&extra)
		if extra.AZP != a.ClientID || !slices.Contains(idt.Audience, a.ClientID) {
			return fmt.Errorf("%w: issued to another party", ErrIDToken)
		}
	}
	if idt.IssuedAt.After(c.now().Add(skew)) {
		return fmt.Errorf("%w: issued in the future", ErrIDToken)
	}
	return nil
}

// expectedIssuer is Client.ExpectedIssuer or the discovered issuer.
func (c *Client) expectedIssuer(a *Attempt) string {
	if c.ExpectedIssuer != "" {
		return c.ExpectedIssuer
	}
	return a.Config.Issuer
}

// keySet returns the cached key set for a JWKS URL. One set per URL is kept
// so that healow's rotating keys (HEALOW.md §1) are refetched only when an
// unknown key id shows up.
func (c *Client) keySet(jwksURI string) *oidc.RemoteKeySet {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ks, ok := c.keySets[jwksURI]; ok {
		return ks
	}
	if c.keySets == nil {
		c.keySets = make(map[string]*oidc.RemoteKeySet)
	}
	ctx := oidc.ClientContext(context.Background(), strictClient(c.HTTP))
	ks := oidc.NewRemoteKeySet(ctx, jwksURI)
	c.keySets[jwksURI] = ks
	return ks
}
