package sync

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"chartkeep/backend/fhirclient"
	"chartkeep/backend/store"
)

// childEnv names the variable that turns the test binary into a sync
// child: it syncs into a database file and exits, so that a parent can
// kill it (TestSyncSurvivesKills) or measure its heap alone (the memory
// benchmark), with the simulator in the parent's process.
const childEnv = "CHARTKEEP_SYNC_CHILD"

// childConfig is what the parent tells a child, as JSON in childEnv.
type childConfig struct {
	DB, Key, Base, CA, Token, Patient string
	Resume, Attachments, Heap         bool
	Concurrency                       int
}

// childReport is what a child prints as its last line.
type childReport struct {
	PeakHeapInuse, PeakHeapAlloc uint64
	// PeakRSS is the process's peak resident set (VmHWM, Linux only):
	// the heap plus SQLite's WebAssembly memory, stacks and the binary.
	PeakRSS   uint64
	Resources int
	Seconds   float64
	Err       string
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv(childEnv); cfg != "" {
		os.Exit(runChild(cfg))
	}
	os.Exit(m.Run())
}

func runChild(raw string) int {
	var cfg childConfig
	rep := childReport{}
	defer func() { json.NewEncoder(os.Stdout).Encode(&rep) }()
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		rep.Err = err.Error()
		return 2
	}
	var peak heapPeak
	if cfg.Heap {
		stop := peak.sample(5 * time.Millisecond)
		defer func() {
			stop()
			rep.PeakHeapInuse, rep.PeakHeapAlloc = peak.inuse, peak.alloc
			rep.PeakRSS = peakRSS()
		}()
	}
	start := time.Now()
	res, err := childSync(cfg)
	rep.Seconds = time.Since(start).Seconds()
	if res != nil {
		for _, n := range res.Counts {
			rep.Resources += n
		}
	}
	if err != nil {
		rep.Err = err.Error()
		return 1
	}
	return 0
}

func childSync(cfg childConfig) (*Result, error) {
	key, err := hex.DecodeString(cfg.Key)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(cfg.DB, key)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	pem, err := os.ReadFile(cfg.CA)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool},
		MaxIdleConnsPerHost: 32}
	c := fhirclient.New(cfg.Base, &http.Client{Transport: tr}, func() string { return cfg.Token },
		nil)
	c.Log = quiet
	s := &Syncer{FHIR: c, Store: st, ConnectionID: "conn1", PatientID: cfg.Patient,
		Resume: cfg.Resume, Attachments: cfg.Attachments, Concurrency: cfg.Concurrency,
		Log: quiet}
	return s.Run(context.Background())
}

// heapPeak samples the heap while a sync runs.
type heapPeak struct {
	mu           gosync.Mutex
	inuse, alloc uint64
}

func (h *heapPeak) sample(every time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg gosync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			h.read()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait(); h.read() }
}

func (h *heapPeak) read() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.mu.Lock()
	h.inuse, h.alloc = max(h.inuse, ms.HeapInuse), max(h.alloc, ms.HeapAlloc)
	h.mu.Unlock()
}

// peakRSS reads VmHWM from /proc/self/status; 0 where there is none.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb uint64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			return kb << 10
		}
	}
	return 0
}

// child is a configured sync child process.
type child struct {
	cmd *exec.Cmd
	out bytes.Buffer
}

func startChild(t testing.TB, cfg childConfig) *child {
	t.Helper()
	raw, _ := json.Marshal(cfg)
	c := &child{cmd: exec.Command(os.Args[0], "-test.run=^$")}
	c.cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	c.cmd.Stdout = &c.out
	c.cmd.Stderr = os.Stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return c
}

// report waits for the child and returns its report.
func (c *child) report(t testing.TB) childReport {
	t.Helper()
	err := c.cmd.Wait()
	var rep childReport
	lines := bytes.Split(bytes.TrimSpace(c.out.Bytes()), []byte("\n"))
	if jerr := json.Unmarshal(lines[len(lines)-1], &rep); jerr != nil {
		t.Fatalf("child: %v, output %q", err, c.out.String())
	}
	if err != nil || rep.Err != "" {
		t.Fatalf("child failed: %v: %s", err, rep.Err)
	}
	return rep
}

// childFor writes the simulator's CA next to the database and returns a
// child configuration syncing e's patient into path.
func (e *simEnv) childFor(t testing.TB, path string, key []byte) childConfig {
	t.Helper()
	ca := path + ".ca.pem"
	if err := os.WriteFile(ca, e.sim.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return childConfig{DB: path, Key: hex.EncodeToString(key), Base: e.sim.Base(simPractice),
		CA: ca, Token: e.token(t), Patient: e.pt.ID(), Attachments: true}
}

func openAt(t testing.TB, path string, key []byte) *store.Store {
	t.Helper()
	st, err := store.Open(path, key)
	if err != nil {
		t.Fatal(fmt.Errorf("open %s: %w", path, err))
	}
	return st
}
