package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

const service = "chartkeep-test"

// token returns an n-byte ASCII value that looks like a JWT.
func token(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "eyJ%06d.", i)
	}
	return b.String()[:n]
}

func TestChunkingRoundTrip(t *testing.T) {
	values := []struct {
		name, value string
		entries     int
	}{
		{"empty", "", 1},
		{"small", "x", 1},
		{"exactly one chunk", token(chunkSize), 1},
		{"one byte over", token(chunkSize + 1), 2},
		{"8 KB token", token(8 << 10), 5},
		{"8 KB multibyte", strings.Repeat("ñé€", 8<<10/7), 5},
	}
	for _, cap := range []int{2560, 2900} {
		for _, v := range values {
			t.Run(fmt.Sprintf("cap %d/%s", cap, v.name), func(t *testing.T) {
				m := NewMemory(cap)
				kv := m.Keychain(service, time.Second)
				ctx := context.Background()
				if err := kv.Set(ctx, "token/abc", v.value); err != nil {
					t.Fatalf("Set: %v", err)
				}
				got, err := kv.Get(ctx, "token/abc")
				if err != nil || got != v.value {
					t.Fatalf("Get = %d bytes, %v; want %d bytes", len(got), err, len(v.value))
				}
				if n := len(m.Entries(service)); n != v.entries {
					t.Errorf("%d entries %v, want %d", n, m.Entries(service), v.entries)
				}
			})
		}
	}
}

func TestMemoryRefusesOversize(t *testing.T) {
	m := NewMemory(2560)
	err := m.Set(context.Background(), "k", token(8<<10))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Set of 8 KB under a 2560 cap = %v, want ErrTooLarge", err)
	}
	if err := m.Set(context.Background(), "k", token(2560)); err != nil {
		t.Fatalf("Set at the cap: %v", err)
	}
}

func TestOverwriteAndDelete(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		run     func(kv Vault) error
		want    string // value of "k" afterwards; "" with wantErr
		wantErr error
		entries []string
	}{
		{name: "shorter overwrite removes stale chunks",
			run:  func(kv Vault) error { return kv.Set(ctx, "k", "short") },
			want: "short", entries: []string{"k", "other"}},
		{name: "longer overwrite",
			run:  func(kv Vault) error { return kv.Set(ctx, "k", token(12<<10)) },
			want: token(12 << 10), entries: []string{"k", "k.1", "k.2", "k.3", "k.4", "k.5", "k.6", "other"}},
		{name: "delete removes every chunk",
			run:     func(kv Vault) error { return kv.Delete(ctx, "k") },
			wantErr: ErrNotFound, entries: []string{"other"}},
		{name: "delete twice",
			run: func(kv Vault) error {
				if err := kv.Delete(ctx, "k"); err != nil {
					return err
				}
				return kv.Delete(ctx, "k")
			},
			wantErr: ErrNotFound, entries: []string{"other"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMemory(2560)
			kv := m.Keychain(service, time.Second)
			if err := kv.Set(ctx, "other", "keep me"); err != nil {
				t.Fatal(err)
			}
			if err := kv.Set(ctx, "k", token(8<<10)); err != nil {
				t.Fatal(err)
			}
			if err := tc.run(kv); err != nil {
				t.Fatalf("run: %v", err)
			}
			got, err := kv.Get(ctx, "k")
			if got != tc.want || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("Get = %d bytes, %v; want %d bytes, %v", len(got), err, len(tc.want), tc.wantErr)
			}
			if e := strings.Join(m.Entries(service), " "); e != strings.Join(tc.entries, " ") {
				t.Errorf("entries = %q, want %q", e, tc.entries)
			}
			if v, err := kv.Get(ctx, "other"); v != "keep me" || err != nil {
				t.Errorf("other = %q, %v", v, err)
			}
		})
	}
}

func TestDamagedValues(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		damage  func(m *Memory)
		want    string
		wantErr error
	}{
		{name: "missing chunk", wantErr: ErrCorrupt,
			damage: func(m *Memory) { _ = m.del(memKey{service, "k.2"}) }},
		{name: "altered chunk", wantErr: ErrCorrupt,
			damage: func(m *Memory) { _ = m.set(memKey{service, "k.1"}, "tampered") }},
		{name: "raw value without header", want: "written elsewhere",
			damage: func(m *Memory) { _ = m.set(memKey{service, "k"}, "written elsewhere") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMemory(0)
			kv := m.Keychain(service, time.Second)
			if err := kv.Set(ctx, "k", token(6<<10)); err != nil {
				t.Fatal(err)
			}
			tc.damage(m)
			got, err := kv.Get(ctx, "k")
			if got != tc.want || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("Get = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestOrphanChunkSwept(t *testing.T) {
	m := NewMemory(0)
	kv := m.Keychain(service, time.Second)
	ctx := context.Background()
	if err := kv.Set(ctx, "k", token(4000)); err != nil { // k, k.1, k.2
		t.Fatal(err)
	}
	_ = m.set(memKey{service, "k.3"}, "left by an interrupted write")
	if err := kv.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if e := m.Entries(service); len(e) != 0 {
		t.Errorf("entries left: %v", e)
	}
}

func TestLocked(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(0)
	direct, chunked := Vault(m), m.Keychain(service, time.Second)
	for name, kv := range map[string]Vault{"direct": direct, "chunked": chunked} {
		t.Run(name, func(t *testing.T) {
			if err := kv.Set(ctx, "k", "v"); err != nil {
				t.Fatal(err)
			}
			m.SetLocked(true)
			defer m.SetLocked(false)
			ops := map[string]func() error{
				"get":    func() error { _, err := kv.Get(ctx, "k"); return err },
				"set":    func() error { return kv.Set(ctx, "k", "w") },
				"delete": func() error { return kv.Delete(ctx, "k") },
			}
			for op, f := range ops {
				if err := f(); !errors.Is(err, ErrUnavailable) || !errors.Is(err, errLocked) {
					t.Errorf("%s while locked = %v, want ErrUnavailable wrapping the cause", op, err)
				}
			}
		})
	}
}

func TestMapErr(t *testing.T) {
	dbusErr := errors.New("org.freedesktop.DBus.Error.ServiceUnknown: " +
		"The name org.freedesktop.secrets was not provided")
	lockErr := errors.New("failed to unlock correct collection " +
		"'/org/freedesktop/secrets/aliases/default'")
	cases := []struct {
		name string
		in   error
		want error
	}{
		{"nil", nil, nil},
		{"not found", keyring.ErrNotFound, ErrNotFound},
		{"too big", keyring.ErrSetDataTooBig, ErrTooLarge},
		{"no secret service", dbusErr, ErrUnavailable},
		{"locked collection", lockErr, ErrUnavailable},
		{"unsupported platform", keyring.ErrUnsupportedPlatform, ErrUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := mapErr(tc.in)
			if !errors.Is(got, tc.want) || (tc.want == nil && got != nil) {
				t.Errorf("mapErr(%v) = %v, want %v", tc.in, got, tc.want)
			}
			if tc.in != nil && tc.want != ErrNotFound && !errors.Is(got, tc.in) {
				t.Errorf("mapErr(%v) = %v lost the cause", tc.in, got)
			}
		})
	}
}

// blocking is a backend whose calls wait until release is closed, like a
// Secret Service waiting on an unlock prompt nobody answers.
type blocking struct {
	release chan struct{}
}

func (b *blocking) wait() { <-b.release }

func (b *blocking) Get(string, string) (string, error) { b.wait(); return "", keyring.ErrNotFound }
func (b *blocking) Set(string, string, string) error   { b.wait(); return nil }
func (b *blocking) Delete(string, string) error        { b.wait(); return nil }

func TestTimeout(t *testing.T) {
	b := &blocking{release: make(chan struct{})}
	kv := newChunked(service, 50*time.Millisecond, b)
	ctx := context.Background()

	start := time.Now()
	_, err := kv.Get(ctx, "k")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get on a stuck keychain = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Get took %v, want about the 50ms timeout", d)
	}
	// The first request is still stuck: the next call must not queue behind
	// it forever, nor start a second keychain request.
	if err := kv.Set(ctx, "k", "v"); !errors.Is(err, ErrUnavailable) ||
		!strings.Contains(err.Error(), "earlier") {
		t.Errorf("Set behind a stuck call = %v, want ErrUnavailable naming it", err)
	}
	close(b.release)
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, err = kv.Get(ctx, "k")
		if errors.Is(err, ErrNotFound) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after the keychain answered = %v, want ErrNotFound", err)
	}
}

func TestContextCanceled(t *testing.T) {
	b := &blocking{release: make(chan struct{})}
	defer close(b.release)
	kv := newChunked(service, time.Minute, b)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := kv.Get(ctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get = %v, want the context's error", err)
	}
}

func TestBadKeys(t *testing.T) {
	kv := NewMemory(0).Keychain(service, time.Second)
	for _, key := range []string{"", "token.1", "a.b.22"} {
		if err := kv.Set(context.Background(), key, "v"); !errors.Is(err, ErrBadKey) {
			t.Errorf("Set(%q) = %v, want ErrBadKey", key, err)
		}
	}
	if err := kv.Set(context.Background(), "token.v2", "v"); err != nil {
		t.Errorf("Set(token.v2) = %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	kv := NewMemory(2560).Keychain(service, 5*time.Second)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			key, val := fmt.Sprintf("conn-%d", i), token(3000+i*700)
			for range 5 {
				if err := kv.Set(ctx, key, val); err != nil {
					t.Errorf("Set %s: %v", key, err)
					return
				}
				if got, err := kv.Get(ctx, key); err != nil || got != val {
					t.Errorf("Get %s = %d bytes, %v", key, len(got), err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// helperEnv makes the test binary run noDBusHelper instead of the tests.
const helperEnv = "CHARTKEEP_VAULT_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "nodbus" {
		noDBusHelper()
		return
	}
	os.Exit(m.Run())
}

// noDBusHelper runs the real keyring with no reachable session bus and
// prints what Get returned. It runs in a child process because godbus
// caches the session bus connection for the whole process.
func noDBusHelper() {
	_, err := NewKeyring(service, 5*time.Second).Get(context.Background(), "k")
	fmt.Printf("unavailable=%v err=%v\n", errors.Is(err, ErrUnavailable), err)
}

func TestKeyringWithoutSessionBus(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"=nodbus",
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+t.TempDir()+"/no-bus")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "unavailable=true") {
		t.Errorf("real keyring without a session bus: %s", out)
	}
}
