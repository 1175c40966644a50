package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"chartkeep/backend/callback"
	"chartkeep/backend/smart"
)

// SetupCheck is one check of the setup, with what was found and, when it
// failed, what to do about it.
type SetupCheck struct {
	ID     string `json:"id"` // client_id, public_url, listener, ping
	Label  string `json:"label"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Advice string `json:"advice"`
}

// SetupReport is the result of CheckSetup: every check, in order.
type SetupReport struct {
	OK        bool         `json:"ok"`
	Checks    []SetupCheck `json:"checks"`
	CheckedAt string       `json:"checkedAt"`
}

// SetupGuide holds the values the setup guide shows the user to copy: the
// redirect URL to register on the healow portal and the callback port the
// tunnel must forward to.
type SetupGuide struct {
	PortalURL   string `json:"portalUrl"`
	RedirectURI string `json:"redirectUri"` // empty until a public URL is saved
	// CallbackPort is the port the running listener is bound to.
	CallbackPort int `json:"callbackPort"`
	// PortChanged is set when the saved port differs from the running
	// listener's: the new port takes effect after a restart.
	PortChanged bool     `json:"portChanged"`
	Scopes      []string `json:"scopes"`
}

// Check IDs of a SetupReport.
const (
	checkClientID  = "client_id"
	checkPublicURL = "public_url"
	checkListener  = "listener"
	checkPing      = "ping"
)

// portalURL is healow's developer portal, where the app is registered.
const portalURL = "https://connect4.healow.com"

// defaultPingTimeout bounds the request to {PUBLIC_URL}/healow/ping.
const defaultPingTimeout = 5 * time.Second

// GetSetupGuide returns the values of the setup guide for the saved
// settings.
func (a *App) GetSetupGuide() (SetupGuide, error) {
	s := a.currentSettings()
	g := SetupGuide{PortalURL: portalURL, CallbackPort: a.callbackPort(s),
		Scopes: smart.DefaultScopes()}
	g.PortChanged = !a.opts.Demo && g.CallbackPort != s.CallbackPort
	if strings.TrimSpace(s.PublicURL) != "" {
		g.RedirectURI = s.RedirectURI()
	}
	return g, nil
}

// callbackPort is the port the callback listener bound, or the saved one
// before it started.
func (a *App) callbackPort(s Settings) int {
	if a.cb != nil {
		if _, p, err := net.SplitHostPort(a.cb.Addr()); err == nil {
			if n, err := strconv.Atoi(p); err == nil {
				return n
			}
		}
	}
	return s.CallbackPort
}

// CheckSetup checks, in order, that a client ID is set, that the public
// URL is a bare https address, that the callback listener runs, and that
// {PUBLIC_URL}/healow/ping reaches this very process through the tunnel.
// It never fails: each problem is a failed check with advice.
func (a *App) CheckSetup() (SetupReport, error) {
	ctx := a.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return a.checkSetup(ctx), nil
}

func (a *App) checkSetup(ctx context.Context) SetupReport {
	s := a.currentSettings()
	port := a.callbackPort(s)
	checks := []SetupCheck{checkClientIDOf(s), a.checkPublicURLOf(s), a.checkListenerOf(s, port)}
	if checks[1].OK && checks[2].OK {
		checks = append(checks, a.checkPing(ctx, s, port))
	} else {
		checks = append(checks, SetupCheck{ID: checkPing, Label: pingLabel,
			Detail: "Not checked yet: fix the items above first."})
	}
	r := SetupReport{OK: true, Checks: checks, CheckedAt: time.Now().Format(time.RFC3339)}
	for _, c := range checks {
		r.OK = r.OK && c.OK
	}
	a.mu.Lock()
	a.setupOK = r.OK
	a.mu.Unlock()
	a.log.Info("setup checked", "ok", r.OK, "failed", failedIDs(checks))
	return r
}

func failedIDs(cs []SetupCheck) string {
	var ids []string
	for _, c := range cs {
		if !c.OK {
			ids = append(ids, c.ID)
		}
	}
	return strings.Join(ids, ",")
}

func checkClientIDOf(s Settings) SetupCheck {
	c := SetupCheck{ID: checkClientID, Label: "Client ID is filled in"}
	if strings.TrimSpace(s.ClientID) == "" {
		c.Detail = "No client ID is saved."
		c.Advice = "Register Chartkeep on the healow developer portal (step 2 of this guide) " +
			"and paste the client ID it shows into Settings."
		return c
	}
	c.OK, c.Detail = true, "Client ID "+s.ClientID+"."
	return c
}

func (a *App) checkPublicURLOf(s Settings) SetupCheck {
	c := SetupCheck{ID: checkPublicURL, Label: "Public URL is a plain https address"}
	u, err := url.Parse(strings.TrimSpace(s.PublicURL))
	switch {
	case strings.TrimSpace(s.PublicURL) == "":
		c.Detail = "No public URL is saved."
		c.Advice = "Start your tunnel (step 1) and enter its https address, for example " +
			"https://your-name.ngrok-free.app."
	case err != nil || u.Host == "":
		c.Detail = "The public URL is not a web address."
		c.Advice = "Enter it as https:// followed by the tunnel's domain."
	case u.Scheme != "https" && !(a.opts.AllowHTTPLoopback && u.Scheme == "http"):
		c.Detail = "The public URL starts with " + u.Scheme + "://."
		c.Advice = "healow only accepts https redirect addresses. Use the https address of " +
			"your tunnel."
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		c.Detail = "The public URL has more than the address: " + s.PublicURL
		c.Advice = "Enter only https:// and the domain, with no path or query: Chartkeep adds " +
			"/healow/callback itself (for example https://" + u.Host + ")."
	default:
		c.OK, c.Detail = true, "Redirect URL "+s.RedirectURI()+"."
	}
	return c
}

func (a *App) checkListenerOf(s Settings, port int) SetupCheck {
	c := SetupCheck{ID: checkListener, Label: "Chartkeep is listening for the login reply"}
	if a.cb == nil {
		c.Detail = fmt.Sprintf("Chartkeep could not listen on 127.0.0.1:%d.", s.CallbackPort)
		c.Advice = "Another program may use that port. Choose another callback port in " +
			"Settings, restart Chartkeep and point the tunnel at the new port."
		return c
	}
	c.OK, c.Detail = true, fmt.Sprintf("Listening on 127.0.0.1:%d.", port)
	if !a.opts.Demo && port != s.CallbackPort {
		c.Advice = fmt.Sprintf("The saved callback port %d takes effect when Chartkeep "+
			"restarts; until then the tunnel must point at port %d.", s.CallbackPort, port)
	}
	return c
}

const pingLabel = "The public URL reaches this Chartkeep"

// pingAnswer is the part of the ping's response the classification reads.
type pingAnswer struct {
	status int
	header http.Header
	body   string
}

// checkPing sends GET {PUBLIC_URL}/healow/ping and compares the answer with
// this run's nonce, so a tunnel to another program (or another copy of
// Chartkeep) fails the check.
func (a *App) checkPing(ctx context.Context, s Settings, port int) SetupCheck {
	target := strings.TrimRight(s.PublicURL, "/") + callback.PingPath
	ans, err := a.ping(ctx, target)
	c := classifyPing(pingInput{target: target, port: port, nonce: a.cb.PingNonce(),
		timeout: a.pingTimeout()}, ans, err)
	c.ID, c.Label = checkPing, pingLabel
	return c
}

func (a *App) pingTimeout() time.Duration {
	if a.pingTTL > 0 {
		return a.pingTTL
	}
	return defaultPingTimeout
}

func (a *App) ping(ctx context.Context, target string) (*pingAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, a.pingTimeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	// ngrok's free tier shows browsers a warning page first (HEALOW.md
	// §1); this header lets the check through it.
	req.Header.Set("ngrok-skip-browser-warning", "1")
	req.Header.Set("User-Agent", "Chartkeep/"+Version+" setup-check")
	resp, err := a.pingClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<10))
	if err != nil {
		return nil, err
	}
	return &pingAnswer{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

// pingClient is an ordinary client with the system's trusted roots (or the
// test transport of Options.HTTPClient) that follows no redirect: an
// answer elsewhere is not this app.
func (a *App) pingClient() *http.Client {
	c := &http.Client{Timeout: a.pingTimeout(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if a.opts.HTTPClient != nil {
		c.Transport = a.opts.HTTPClient.Transport
	}
	return c
}

// pingInput is what classifyPing needs to know besides the answer.
type pingInput struct {
	target, nonce string
	port          int
	timeout       time.Duration
}

// classifyPing turns the ping's answer, or its error, into a check result
// with advice for the likely cause.
func classifyPing(in pingInput, ans *pingAnswer, err error) SetupCheck {
	if err != nil {
		return pingError(in, err)
	}
	host := hostOf(in.target)
	body := strings.TrimSpace(ans.body)
	ngrokCode := ngrokErrorCode(ans)
	switch {
	case ans.status == http.StatusOK && body == "chartkeep "+in.nonce:
		return SetupCheck{OK: true, Detail: "The public URL reaches this copy of Chartkeep.",
			Advice: interstitialNote(host, ans)}
	case ngrokCode == "ERR_NGROK_6024" || strings.Contains(ans.body, "You are about to visit"):
		return failCheck("ngrok answered with its \"You are about to visit\" warning page "+
			"instead of passing the request on.",
			"Open "+in.target+" once in your browser and click Visit Site, then check "+
				"again. healow's login will show the same page once: click through it.")
	case isTunnelOffline(ans, ngrokCode):
		return failCheck(fmt.Sprintf("The tunnel for %s is not running (HTTP %d).", host,
			ans.status), "Start the tunnel and leave it running: "+ngrokCommand(host, in.port)+
			" (or cloudflared tunnel run for a named Cloudflare tunnel).")
	case isBadGateway(ans, ngrokCode):
		return failCheck(fmt.Sprintf("The tunnel is running but could not reach Chartkeep "+
			"(HTTP %d).", ans.status), wrongPortAdvice(host, in.port))
	case ans.status == http.StatusOK && strings.HasPrefix(body, "chartkeep "):
		return failCheck("Another copy of Chartkeep answers at this address, not this one.",
			"Close other copies of Chartkeep, or point the tunnel at this computer's "+
				fmt.Sprintf("127.0.0.1:%d, then check again.", in.port))
	}
	return failCheck(fmt.Sprintf("Another program answers at %s (HTTP %d), not Chartkeep.",
		host, ans.status), wrongPortAdvice(host, in.port))
}

func failCheck(detail, advice string) SetupCheck {
	return SetupCheck{Detail: detail, Advice: advice}
}

func pingError(in pingInput, err error) SetupCheck {
	host := hostOf(in.target)
	switch classifyNet(err) {
	case netTimeout:
		return failCheck(fmt.Sprintf("%s did not answer within %s.", host, in.timeout),
			"Check that the tunnel is running and that this computer is online, then check "+
				"again; a tunnel that has just started may need a few more seconds.")
	case netTLS:
		return failCheck("The https certificate of "+host+" is not trusted by this computer.",
			"Use exactly the https address your tunnel shows (ngrok or cloudflared give it a "+
				"valid certificate). If a company proxy or antivirus inspects https here, try "+
				"another network. Check that the computer's date and time are right.")
	case netDNS:
		return failCheck("The name "+host+" could not be found.",
			"Check the public URL for typos. With ngrok, use your static domain (Domains in "+
				"the ngrok dashboard); with cloudflared, route the hostname to your named "+
				"tunnel: cloudflared tunnel route dns chartkeep "+host+".")
	case netRefused:
		return failCheck("Nothing is listening at "+host+".",
			"Start the tunnel and leave it running: "+ngrokCommand(host, in.port)+".")
	}
	return failCheck("The check could not reach "+in.target+".",
		"Check that this computer is online and the tunnel is running, then check again.")
}

// ngrokErrorCode is the ERR_NGROK_… code of an ngrok error page, from its
// header or its text.
func ngrokErrorCode(ans *pingAnswer) string {
	if c := ans.header.Get("Ngrok-Error-Code"); c != "" {
		return c
	}
	if i := strings.Index(ans.body, "ERR_NGROK_"); i >= 0 {
		code := ans.body[i:]
		end := strings.IndexFunc(code[len("ERR_NGROK_"):], func(r rune) bool {
			return r < '0' || r > '9'
		})
		if end >= 0 {
			code = code[:len("ERR_NGROK_")+end]
		}
		return code
	}
	return ""
}

// isTunnelOffline: ngrok's "endpoint is offline" (ERR_NGROK_3200) and
// Cloudflare's error 1033 (HTTP 530) mean the domain exists but no tunnel
// runs behind it.
func isTunnelOffline(ans *pingAnswer, ngrokCode string) bool {
	return ngrokCode == "ERR_NGROK_3200" || ans.status == 530 ||
		strings.Contains(ans.body, "Error 1033")
}

// isBadGateway: the tunnel is up but nothing answers at the port it
// forwards to (ngrok ERR_NGROK_8012, cloudflared 502).
func isBadGateway(ans *pingAnswer, ngrokCode string) bool {
	return ngrokCode == "ERR_NGROK_8012" || ans.status == http.StatusBadGateway ||
		ans.status == http.StatusGatewayTimeout || ans.status == http.StatusServiceUnavailable
}

func wrongPortAdvice(host string, port int) string {
	return fmt.Sprintf("The tunnel must forward to 127.0.0.1:%d, where Chartkeep listens: %s "+
		"(cloudflared: --url http://127.0.0.1:%d).", port, ngrokCommand(host, port), port)
}

func interstitialNote(host string, ans *pingAnswer) string {
	if !isNgrokHost(host) && ans.header.Get("Ngrok-Agent-Ips") == "" {
		return ""
	}
	return "ngrok shows a \"You are about to visit\" page in your browser the first time; " +
		"click Visit Site and the login completes."
}

func isNgrokHost(host string) bool {
	for _, suffix := range []string{".ngrok-free.app", ".ngrok-free.dev", ".ngrok.app",
		".ngrok.dev", ".ngrok.io"} {
		if strings.HasSuffix(host, suffix) {
			return true
		}
	}
	return false
}

// ngrokCommand is the tunnel command for a static ngrok domain.
func ngrokCommand(host string, port int) string {
	if host == "" {
		host = "<your-static-domain>"
	}
	return fmt.Sprintf("ngrok http --url=%s 127.0.0.1:%d", host, port)
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// requireSetup runs the checks before the first login of a run when no
// connection exists yet, and refuses the login when one fails.
func (a *App) requireSetup(ctx context.Context) error {
	a.mu.Lock()
	ok := a.setupOK
	a.mu.Unlock()
	if ok {
		return nil
	}
	if conns, err := a.store.ListConnections(ctx); err == nil && len(conns) > 0 {
		return nil
	}
	r := a.checkSetup(ctx)
	for _, c := range r.Checks {
		if !c.OK {
			return errorf(CodeNeedsSetup, "Chartkeep checked its setup before your first login: "+
				"%s %s Open Settings and choose Check my setup to see every check.",
				strings.TrimSuffix(c.Detail, ".")+".", c.Advice)
		}
	}
	return nil
}
