//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// shot is one screenshot of a window run: what to do in the window first,
// how long to let it settle, and where to save the picture.
type shot struct {
	out     string
	actions func(w *window) error
	settle  time.Duration
}

// windowRun starts the real built app once.
type windowRun struct {
	dataDir string
	env     []string // added to the environment
	shots   []shot
}

// window is the app's X window, driven with xdotool as a patient would
// with mouse and keyboard.
type window struct {
	ctx context.Context
	id  string
}

// click clicks at x, y relative to the window's top left corner.
func (w *window) click(x, y int) error {
	return w.xdotool("mousemove", "--window", w.id, strconv.Itoa(x), strconv.Itoa(y), "click", "1")
}

// typeText types as on a keyboard, into whatever has the focus.
func (w *window) typeText(s string) error { return w.xdotool("type", "--delay", "60", s) }

// keys presses each key in turn ("Tab", "Return").
func (w *window) keys(names ...string) error {
	for _, k := range names {
		if err := w.xdotool("key", k); err != nil {
			return err
		}
		time.Sleep(150 * time.Millisecond)
	}
	return nil
}

func (w *window) xdotool(args ...string) error {
	out, err := exec.CommandContext(w.ctx, "xdotool", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("xdotool %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// runWindow starts build/bin/chartkeep under the X display with its own
// data folder, waits for its window and takes the screenshots in order.
func runWindow(t *testing.T, run windowRun) {
	t.Helper()
	bin := filepath.Join(repoRoot(), "build", "bin", "chartkeep")
	if !fileExists(bin) {
		t.Fatalf("%s is missing: build the app first (make app)", bin)
	}
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("no DISPLAY: run the end-to-end test under scripts/with-display.sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.Env = append(appEnv(), "CHARTKEEP_DATA_DIR="+run.dataDir)
	cmd.Env = append(cmd.Env, run.env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	id, err := waitForWindow(ctx, "Chartkeep")
	if err != nil {
		t.Fatalf("the window did not appear: %v\n%s", err, stderr.String())
	}
	// Let the webview load and render the first screen.
	time.Sleep(8 * time.Second)
	w := &window{ctx: ctx, id: id}
	for _, s := range run.shots {
		if s.actions != nil {
			if err := s.actions(w); err != nil {
				t.Fatalf("%s: %v", filepath.Base(s.out), err)
			}
		}
		time.Sleep(s.settle)
		if err := exec.CommandContext(ctx, "import", "-window", "root", s.out).Run(); err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		t.Logf("screenshot %s", s.out)
	}
	if strings.Contains(stderr.String(), "startup failed") {
		t.Fatalf("the app failed to start:\n%s", stderr.String())
	}
}

// appEnv is this process's environment without the variables that would
// fill in the app's settings behind the test's back.
func appEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "HEALOW_CLIENT_ID=") || strings.HasPrefix(kv, "PUBLIC_URL=") ||
			strings.HasPrefix(kv, "CHARTKEEP_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

var geometry = regexp.MustCompile(`Geometry: (\d+)x(\d+)`)

// waitForWindow returns the id of the largest window with the name: GTK
// also maps a tiny helper window under the same name.
func waitForWindow(ctx context.Context, name string) (string, error) {
	for {
		outp, err := exec.CommandContext(ctx, "xdotool", "search", "--name", name).Output()
		if err == nil {
			best, area := "", 0
			for _, id := range strings.Fields(string(outp)) {
				g, _ := exec.CommandContext(ctx, "xdotool", "getwindowgeometry", id).Output()
				if m := geometry.FindStringSubmatch(string(g)); m != nil {
					wd, _ := strconv.Atoi(m[1])
					ht, _ := strconv.Atoi(m[2])
					if wd*ht > area {
						best, area = id, wd*ht
					}
				}
			}
			if area > 400*300 {
				return best, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// appLog is the log file the app wrote in its data folder.
func appLog(t *testing.T, dataDir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "logs", "chartkeep.log"))
	if err != nil {
		t.Fatalf("the app wrote no log file: %v", err)
	}
	return string(b)
}
