package simulator

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// keyRing holds the id_token signing keys: the newest signs, and the one
// before it stays published so tokens signed just before a rotation still
// verify (HEALOW.md §1: keys rotate).
type keyRing struct {
	mu   sync.Mutex
	keys []signingKey
}

type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
}

const keysKept = 2

func newKeyRing() (*keyRing, error) {
	k := &keyRing{}
	return k, k.rotate()
}

func (k *keyRing) rotate() error {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("simulator: signing key: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys = append(k.keys, signingKey{kid: randomHex(8), priv: priv})
	if len(k.keys) > keysKept {
		k.keys = k.keys[len(k.keys)-keysKept:]
	}
	return nil
}

func (k *keyRing) jwks() ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var set jose.JSONWebKeySet
	for _, key := range k.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{
			Key: &key.priv.PublicKey, KeyID: key.kid, Algorithm: string(jose.RS256), Use: "sig",
		})
	}
	return json.Marshal(set)
}

// sign serializes claims as an RS256 JWT with the current key's kid.
func (k *keyRing) sign(claims any) (string, error) {
	k.mu.Lock()
	cur := k.keys[len(k.keys)-1]
	k.mu.Unlock()
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: cur.priv, KeyID: cur.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("simulator: signer: %w", err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("simulator: sign id_token: %w", err)
	}
	return tok, nil
}

// RotateKeys generates a new signing key and publishes it in the JWKS; new
// id_tokens are signed with it. Only the previous key is kept beside it.
func (s *Server) RotateKeys() error { return s.keys.rotate() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
