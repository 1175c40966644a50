package app

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"chartkeep/backend/smart"
	"chartkeep/backend/vault"
)

// storedToken is what the keychain holds for one connection. It never
// reaches a file, the database or a log.
type storedToken struct {
	AccessToken string    `json:"access_token"`
	Expiry      time.Time `json:"expiry"`
	Scope       string    `json:"scope,omitempty"`
	Patient     string    `json:"patient,omitempty"`
}

func tokenKey(connID string) string { return "connection/" + connID + "/token" }

func (a *App) saveToken(ctx context.Context, connID string, g *smart.Grant) error {
	b, err := json.Marshal(storedToken{AccessToken: g.AccessToken, Expiry: g.Expiry,
		Scope: g.Scope, Patient: g.Patient})
	if err != nil {
		return err
	}
	if err := a.vault.Set(ctx, tokenKey(connID), string(b)); err != nil {
		return newError(CodeKeychain, keychainMessage, err)
	}
	return nil
}

// loadToken returns the access token of a connection, or a needs-reconnect
// error when there is none or it has expired.
func (a *App) loadToken(ctx context.Context, connID string) (*storedToken, error) {
	v, err := a.vault.Get(ctx, tokenKey(connID))
	if errors.Is(err, vault.ErrNotFound) {
		return nil, errorf(CodeNeedsReconnect, "Sign in to healow again to download new records.")
	}
	if err != nil {
		return nil, newError(CodeKeychain, keychainMessage, err)
	}
	var t storedToken
	if err := json.Unmarshal([]byte(v), &t); err != nil || t.AccessToken == "" {
		return nil, errorf(CodeNeedsReconnect, "Sign in to healow again to download new records.")
	}
	if !t.Expiry.IsZero() && time.Now().After(t.Expiry) {
		return nil, errorf(CodeNeedsReconnect,
			"healow's access expired at %s. Click Reconnect to sign in again.",
			t.Expiry.Local().Format("3:04 PM"))
	}
	return &t, nil
}
