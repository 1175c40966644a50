//go:build e2e

package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartkeep/backend/simulator"
	"chartkeep/backend/vault"
)

// Where things are in the 1200x800 window, from its top left corner. The
// layout is fixed: the window size is set in main.go and Xvfb's fonts do
// not change between runs.
const (
	searchInputX, searchInputY = 598, 213 // "Practice name or city" on Add a practice
	settingsX, settingsY       = 131, 760 // "Settings" at the foot of the sidebar
	// Tab stops from the sidebar's Settings to "Check my setup": two Copy
	// buttons of step 1, the public URL, the redirect URL's Copy, the scope
	// list, the client ID, Save.
	tabsToCheckSetup = 8
)

// shootWindows takes the screenshots of the real window: the records the
// run downloaded, the same connection once its access has expired, the
// first-run setup guide, the practice search and the setup checks.
func shootWindows(t *testing.T, artifacts, dataDir string, kc vault.Vault,
	sim *simulator.Server, demoConn string) {
	t.Helper()
	runWindow(t, windowRun{dataDir: dataDir, shots: []shot{
		{out: filepath.Join(artifacts, "records-view.png")}}})

	expireConnection(t, dataDir, kc, demoConn)
	runWindow(t, windowRun{dataDir: dataDir, shots: []shot{
		{out: filepath.Join(artifacts, "needs-reconnect.png")}}})

	runWindow(t, windowRun{dataDir: t.TempDir(), shots: []shot{
		{out: filepath.Join(artifacts, "setup-guide.png")}}})

	shootSearchAndChecks(t, artifacts, sim)
}

// expireConnection moves the connection's expiry 25 minutes into the past,
// as if the hour healow grants had run out (HEALOW.md §1).
func expireConnection(t *testing.T, dataDir string, kc vault.Vault, connID string) {
	t.Helper()
	st := openStore(t, dataDir, kc)
	defer st.Close()
	ctx := context.Background()
	c, err := st.GetConnection(ctx, connID)
	must(t, err)
	past := time.Now().Add(-25 * time.Minute)
	c.ExpiresAt = &past
	must(t, st.SaveConnection(ctx, c))
}

// shootSearchAndChecks starts the app set up but with no practice yet: it
// opens on the practice search, where a query is typed; then Settings,
// where "Check my setup" pings the app through a tunnel of its own.
func shootSearchAndChecks(t *testing.T, artifacts string, sim *simulator.Server) {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	tu := startTunnel(t)
	tu.pointAt(fmt.Sprintf("127.0.0.1:%d", port))
	writeJSON(t, filepath.Join(dir, "settings.json"), map[string]any{
		"clientId": clientID, "publicUrl": tu.srv.URL, "callbackPort": port,
		"directoryUrl": sim.URL() + "/apps/api/v1/fhir/activated_clinical_endpoints"})
	// The built app trusts the system's roots only: these stand in for the
	// public CAs that sign healow's and ngrok's certificates.
	roots := filepath.Join(dir, "roots.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tu.srv.Certificate().Raw})
	must(t, os.WriteFile(roots, append(sim.CACertPEM(), certPEM...), 0o600))

	runWindow(t, windowRun{dataDir: dir, env: []string{"SSL_CERT_FILE=" + roots}, shots: []shot{
		{out: filepath.Join(artifacts, "practice-search.png"), settle: 4 * time.Second,
			actions: func(w *window) error {
				if err := w.click(searchInputX, searchInputY); err != nil {
					return err
				}
				return w.typeText("family")
			}},
		{out: filepath.Join(artifacts, "setup-checks.png"), settle: 2 * time.Second,
			actions: func(w *window) error {
				if err := w.click(settingsX, settingsY); err != nil {
					return err
				}
				time.Sleep(2 * time.Second)
				tabs := make([]string, tabsToCheckSetup)
				for i := range tabs {
					tabs[i] = "Tab"
				}
				if err := w.keys(append(tabs, "Return")...); err != nil {
					return err
				}
				time.Sleep(5 * time.Second)
				// Onto "Find your practice", which scrolls the results into view.
				return w.keys("Tab")
			}},
	}})
	if log := appLog(t, dir); !strings.Contains(log, `"msg":"setup checked","ok":true`) {
		t.Errorf("the window's setup check did not pass through the tunnel; log:\n%s", log)
	}
}

// trustingClient is an HTTP client that trusts the simulator's CA and the
// given certificates, and no other root.
func trustingClient(t *testing.T, caPEM []byte, certs ...*x509.Certificate) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("bad CA PEM")
	}
	for _, c := range certs {
		pool.AddCert(c)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}
