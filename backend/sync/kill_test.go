package sync

import (
	"context"
	"errors"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"chartkeep/backend/simulator"
	"chartkeep/backend/store"
)

// TestSyncSurvivesKills kills a syncing process (SIGKILL) at random
// moments twenty times. Every time the database must pass SQLite's
// integrity check; in the end a resumed sync must leave it exactly as an
// uninterrupted sync does.
func TestSyncSurvivesKills(t *testing.T) {
	const kills = 20
	deadline := time.Now().Add(2 * time.Minute)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	e := newSimEnv(t, syntheaPatient(t, largestSynthea), simulator.Options{})
	dir := t.TempDir()
	key := store.NewKey()

	// An uninterrupted sync in a child gives the reference and the time a
	// sync takes, start-up included.
	wantPath := filepath.Join(dir, "want.db")
	start := time.Now()
	startChild(t, e.childFor(t, wantPath, key)).report(t)
	full := time.Since(start)

	path := filepath.Join(dir, "killed.db")
	cfg := e.childFor(t, path, key)
	cfg.Resume = true
	landed := 0
	for i := range kills {
		if time.Now().After(deadline) {
			t.Fatalf("out of time after %d kills", i)
		}
		c := startChild(t, cfg)
		time.Sleep(time.Duration(rng.Int64N(int64(full))))
		killErr := c.cmd.Process.Signal(syscall.SIGKILL)
		err := c.cmd.Wait()
		var ee *exec.ExitError
		if killErr == nil && errors.As(err, &ee) && !ee.Exited() {
			landed++
		}
		checkIntegrity(t, path, key, i)
	}
	// Kills that come after the child finished prove nothing; most must
	// land while it syncs.
	if landed < kills/2 {
		t.Errorf("only %d of %d kills landed during a sync", landed, kills)
	}

	startChild(t, cfg).report(t)
	checkIntegrity(t, path, key, kills)
	got, want := openAt(t, path, key), openAt(t, wantPath, key)
	defer got.Close()
	defer want.Close()
	sameDB(t, "after the kills", got, want)
	t.Logf("%d of %d kills landed during a sync of %v", landed, kills, full.Round(time.Millisecond))
}

func checkIntegrity(t *testing.T, path string, key []byte, i int) {
	t.Helper()
	st := openAt(t, path, key)
	defer st.Close()
	if err := st.IntegrityCheck(context.Background()); err != nil {
		t.Fatalf("after kill %d: %v", i+1, err)
	}
}
