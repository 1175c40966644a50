//go:build realkeyring

package vault

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// TestKeyringSecretService runs against the real OS keychain. The project's
// test command runs it inside dbus-run-session with an unlocked
// gnome-keyring; without a usable keychain it fails.
func TestKeyringSecretService(t *testing.T) {
	svc := "chartkeep-test-" + time.Now().Format("20060102150405.000000000")
	kv := NewKeyring(svc, 10*time.Second)
	ctx := context.Background()
	t.Cleanup(func() { _ = kv.Delete(ctx, "token/conn-1") })

	long, short := token(8<<10), "short value"
	steps := []struct {
		name string
		run  func() error
	}{
		{"set 8 KB", func() error { return kv.Set(ctx, "token/conn-1", long) }},
		{"get 8 KB", func() error { return expect(kv, "token/conn-1", long) }},
		{"five entries", func() error { return entryPresent(svc, "token/conn-1.4", true) }},
		{"overwrite shorter", func() error { return kv.Set(ctx, "token/conn-1", short) }},
		{"get short", func() error { return expect(kv, "token/conn-1", short) }},
		{"stale chunk gone", func() error { return entryPresent(svc, "token/conn-1.1", false) }},
		{"delete", func() error { return kv.Delete(ctx, "token/conn-1") }},
		{"absent", func() error {
			if _, err := kv.Get(ctx, "token/conn-1"); !errors.Is(err, ErrNotFound) {
				return errors.New("Get after Delete = " + errString(err) + ", want ErrNotFound")
			}
			return nil
		}},
		{"delete absent", func() error { return kv.Delete(ctx, "token/conn-1") }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
}

func expect(kv Vault, key, want string) error {
	got, err := kv.Get(context.Background(), key)
	if err != nil {
		return err
	}
	if got != want {
		return errors.New("value differs from the one written")
	}
	return nil
}

// entryPresent looks at the raw keychain entry, under the chunking.
func entryPresent(svc, user string, want bool) error {
	_, err := keyring.Get(svc, user)
	switch {
	case want && err != nil:
		return errors.New("entry " + user + " missing: " + err.Error())
	case !want && !errors.Is(err, keyring.ErrNotFound):
		return errors.New("entry " + user + " present or unreadable: " + errString(err))
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
