//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser is headless Debian Chromium standing in for the system browser.
type browser struct {
	ctx    context.Context
	cancel func()
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// The simulator and the tunnel use certificates of a test CA.
		chromedp.Flag("ignore-certificate-errors", true),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		acancel()
		t.Fatalf("start chromium (%s): %v", chromiumPath(), err)
	}
	return &browser{ctx: ctx, cancel: func() { cancel(); acancel() }}
}

// login goes through healow's pages as a patient would: the login form,
// then the consent page, then the redirect through the tunnel to the
// app's callback. It returns the text of the page the callback shows.
func (b *browser) login(authURL, user, password string) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	allow := chromedp.Search(`//button[@value="allow"]`)
	err := chromedp.Do(ctx,
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(chromedp.CSS(`input[type=password]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[type=password]`), password),
		chromedp.Submit(chromedp.CSS(`input[type=password]`)),
		chromedp.WaitVisible(allow),
		chromedp.Click(allow),
	)
	var page string
	for err == nil && !strings.Contains(page, "Chartkeep") {
		time.Sleep(200 * time.Millisecond)
		page, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	}
	if err != nil {
		cur, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(`body`)))
		return "", fmt.Errorf("browser login: %w (page: %.300q)", err, strings.TrimSpace(cur))
	}
	return page, nil
}

func chromiumPath() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if fileExists(p) {
			return p
		}
	}
	return "chromium"
}
