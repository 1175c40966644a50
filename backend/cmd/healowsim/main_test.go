package main

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chartkeep/backend/simulator"
)

// sharedDir is the shared test data folder, ../shared beside the repo.
func sharedDir() string {
	if d := os.Getenv("CHARTKEEP_SHARED"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "..", "shared")
}

// bundleDir is the shared Synthea folder when it is there (CI has it beside
// the clone and sets CHARTKEEP_REQUIRE_SHARED=1), else a folder holding the
// package's own fixture bundle, so a clone without ../shared still tests.
func bundleDir(t *testing.T) (string, []string) {
	t.Helper()
	synthea := filepath.Join(sharedDir(), "fhir-data", "synthea")
	files, _ := filepath.Glob(filepath.Join(synthea, "*.json"))
	if len(files) > 0 {
		return synthea, files
	}
	if os.Getenv("CHARTKEEP_REQUIRE_SHARED") == "1" {
		t.Fatalf("no Synthea bundles in %s and CHARTKEEP_REQUIRE_SHARED=1", synthea)
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "simulator", "fhirdata", "testdata",
		"references.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "fixture.json")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, []string{f}
}

func TestStartAndDescribe(t *testing.T) {
	synthea, files := bundleDir(t)
	c := config{
		addr: "127.0.0.1:0", tlsAddr: "127.0.0.1:0", demo: true, synthea: synthea,
		clientID: "app", redirectURI: "http://127.0.0.1:53682/healow/callback",
		caOut: filepath.Join(t.TempDir(), "ca.pem"), seed: 1,
		tokenTTL: simulator.DefaultTokenTTL,
	}
	sim, err := start(c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()

	if n := len(sim.Accounts(syntheaCode)); n != len(files) {
		t.Errorf("%d Synthea logins, want one per bundle (%d)", n, len(files))
	}
	var out bytes.Buffer
	describe(&out, sim, c)
	for _, want := range []string{sim.URL(), sim.TLSURL(), sim.Base(simulator.DemoPracticeCode),
		sim.Base(syntheaCode), simulator.DemoLogin, simulator.DemoPassword, "patient1", c.caOut} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	pemBytes, err := os.ReadFile(c.caOut)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatal("CA file is not PEM")
	}
	if ca, err := x509.ParseCertificate(block.Bytes); err != nil || !ca.IsCA {
		t.Fatalf("CA file: %v", err)
	}
	res, err := sim.Client().Get(sim.TLSURL() + "/fhir/r4/" + syntheaCode + "/metadata")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("metadata over TLS: %v %v", err, res)
	}
	res.Body.Close()
}
