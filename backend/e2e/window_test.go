//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// screenshotWindow starts the real built app under the X display on the
// data the run synced, waits for its window and saves a screenshot. The
// app shows the stored records offline: no practice is reachable by then.
func screenshotWindow(t *testing.T, dataDir, out string) {
	t.Helper()
	bin := filepath.Join(repoRoot(), "build", "bin", "chartkeep")
	if !fileExists(bin) {
		t.Fatalf("%s is missing: build the app first (make app)", bin)
	}
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("no DISPLAY: run the end-to-end test under scripts/with-display.sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.Env = append(os.Environ(), "CHARTKEEP_DATA_DIR="+dataDir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	if err := waitForWindow(ctx, "Chartkeep"); err != nil {
		t.Fatalf("the window did not appear: %v\n%s", err, stderr.String())
	}
	// Let the webview load the records and render them.
	time.Sleep(8 * time.Second)
	if err := exec.CommandContext(ctx, "import", "-window", "root", out).Run(); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if strings.Contains(stderr.String(), "startup failed") {
		t.Fatalf("the app failed to start:\n%s", stderr.String())
	}
}

func waitForWindow(ctx context.Context, name string) error {
	for {
		outp, err := exec.CommandContext(ctx, "xdotool", "search", "--name", name).Output()
		if err == nil && len(bytes.TrimSpace(outp)) > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
