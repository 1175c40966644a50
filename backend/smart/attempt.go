package smart

import (
	"crypto/sha256"
	"log/slog"
	"sync"
	"time"
)

// DefaultAttemptTTL is how long a login attempt may wait for its redirect.
const DefaultAttemptTTL = 10 * time.Minute

// maxPending bounds the attempts kept at once; the oldest goes first.
const maxPending = 64

// Callback is what the authorization server's redirect carries. Every field
// is untrusted input from the internet (it arrives through the user's
// tunnel).
type Callback struct {
	Code, State, Error, ErrorDescription string
}

// LogValue keeps the code and state out of logs.
func (c Callback) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("has_code", c.Code != ""),
		slog.Bool("has_state", c.State != ""),
		slog.String("error", cleanText(c.Error)),
	)
}

// Attempt is one login in progress: everything the redirect must be matched
// against and the token request needs. State, Nonce and Verifier are
// secrets; LogValue and String redact them.
type Attempt struct {
	State, Nonce, Verifier string
	Base                   string // practice FHIR base, also the aud
	RedirectURI, ClientID  string
	Scopes                 []string
	Config                 *Configuration
	Created                time.Time
}

// LogValue logs the attempt without its secrets.
func (a Attempt) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base", a.Base),
		slog.String("client_id", a.ClientID),
		slog.Int("scopes", len(a.Scopes)),
		slog.Time("created", a.Created),
		slog.String("state", redacted(a.State)),
		slog.String("nonce", redacted(a.Nonce)),
		slog.String("verifier", redacted(a.Verifier)),
	)
}

// String describes the attempt without its secrets, so that %v is safe.
func (a Attempt) String() string {
	return "smart.Attempt{Base:" + a.Base + " State:" + redacted(a.State) + "}"
}

// GoString keeps %#v from printing the secrets.
func (a Attempt) GoString() string { return a.String() }

// redacted stands in for a secret: it shows only whether one is set.
func redacted(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// Pending holds login attempts under their state until the redirect comes
// back. Each attempt can be taken once; attempts older than the TTL are
// refused and swept. It is safe for concurrent use.
type Pending struct {
	mu      sync.Mutex
	ttl     time.Duration
	now     func() time.Time
	waiting map[[32]byte]*Attempt
	gone    map[[32]byte]tombstone // taken or expired states, kept a TTL
}

// tombstone remembers why a state is no longer waiting, so that a late or
// repeated redirect gets a precise error.
type tombstone struct {
	at  time.Time
	err error
}

// NewPending returns an empty store whose attempts live for ttl
// (DefaultAttemptTTL when ttl <= 0).
func NewPending(ttl time.Duration) *Pending {
	if ttl <= 0 {
		ttl = DefaultAttemptTTL
	}
	return &Pending{
		ttl:     ttl,
		now:     time.Now,
		waiting: make(map[[32]byte]*Attempt),
		gone:    make(map[[32]byte]tombstone),
	}
}

// stateKey hashes a state so that map lookups do not depend on its bytes.
func stateKey(state string) [32]byte { return sha256.Sum256([]byte(state)) }

// Put stores a under its state, stamping Created if it is zero. An attempt
// with an empty state is ignored.
func (p *Pending) Put(a *Attempt) {
	if a == nil || a.State == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if a.Created.IsZero() {
		a.Created = p.now()
	}
	p.sweep()
	if len(p.waiting) >= maxPending {
		p.dropOldest()
	}
	p.waiting[stateKey(a.State)] = a
}

// Take removes and returns the attempt under state. It fails with
// ErrUnknownState, ErrExpiredState or ErrReusedState.
func (p *Pending) Take(state string) (*Attempt, error) {
	if state == "" {
		return nil, ErrUnknownState
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweep()
	key := stateKey(state)
	a, ok := p.waiting[key]
	if !ok {
		if t, ok := p.gone[key]; ok {
			return nil, t.err
		}
		return nil, ErrUnknownState
	}
	delete(p.waiting, key)
	p.gone[key] = tombstone{at: p.now(), err: ErrReusedState}
	return a, nil
}

// Drop removes the attempt under state without using it, as when the app
// stops waiting for it. A later Take of that state fails with reason
// (ErrExpiredState or ErrCancelledState, say) for as long as tombstones are
// kept, so the redirect that comes too late can be told what happened.
// Dropping an unknown state records the reason all the same.
func (p *Pending) Drop(state string, reason error) {
	if state == "" || reason == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	key := stateKey(state)
	delete(p.waiting, key)
	p.gone[key] = tombstone{at: p.now(), err: reason}
}

// Clear drops every waiting attempt, as when the user cancels the login.
// A redirect for a cleared attempt then fails with ErrUnknownState.
func (p *Pending) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.waiting)
}

// Len returns the number of attempts waiting, expired ones excluded.
func (p *Pending) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweep()
	return len(p.waiting)
}

// sweep turns expired attempts into tombstones and forgets tombstones after
// a TTL. The caller holds p.mu.
func (p *Pending) sweep() {
	now := p.now()
	for k, a := range p.waiting {
		if now.Sub(a.Created) > p.ttl {
			delete(p.waiting, k)
			p.gone[k] = tombstone{at: now, err: ErrExpiredState}
		}
	}
	for k, t := range p.gone {
		if now.Sub(t.at) > p.ttl {
			delete(p.gone, k)
		}
	}
}

// dropOldest removes the oldest waiting attempt. The caller holds p.mu.
func (p *Pending) dropOldest() {
	var oldest [32]byte
	var at time.Time
	for k, a := range p.waiting {
		if at.IsZero() || a.Created.Before(at) {
			oldest, at = k, a.Created
		}
	}
	delete(p.waiting, oldest)
}
