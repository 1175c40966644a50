package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"chartkeep/backend/directory"
	"chartkeep/backend/smart"
	"chartkeep/backend/store"
)

// probeTimeout bounds the check of a hand-entered practice address.
const probeTimeout = 20 * time.Second

// baseExample is what a healow practice address looks like (HEALOW.md §2).
const baseExample = "https://fhir4.healow.com/fhir/r4/ABCDEF"

// askPractice is what a patient can say to a practice that has not switched
// patient access on (HEALOW.md §1: practices must enable it themselves).
const askPractice = "Ask your practice: “Please enable healow FHIR API access for patients " +
	"(Patient Access API) so I can use an app.”"

// ProbePractice checks an address the patient typed because the practice
// is not in the directory ("my practice is not listed"). The address must
// be https (plain http only on loopback in the demo); a trailing slash, or
// a pasted ".well-known/smart-configuration" or "metadata" ending, is
// dropped. It asks {base}/.well-known/smart-configuration and, when that
// answers properly, remembers the practice in the database so Connect finds
// it, now and after a restart. An address the directory lists gives that
// practice instead.
//
// A working smart-configuration does not prove logins will work: healow
// still needs the app registered for that practice.
func (a *App) ProbePractice(baseURL string) (Practice, error) {
	if err := a.ready(); err != nil {
		return Practice{}, err
	}
	base, u, perr := parseManualBase(baseURL, a.opts.AllowHTTPLoopback)
	if perr != nil {
		return Practice{}, perr
	}
	if p, manual, ok := a.practiceByBase(a.ctx, base); ok {
		return practiceView(p, manual), nil
	}
	ctx, cancel := context.WithTimeout(a.ctx, probeTimeout)
	defer cancel()
	start := time.Now()
	if _, err := smart.Discover(ctx, a.httpClient(), base); err != nil {
		e := probeError(u.Host, err)
		a.log.Info("practice address refused", "host", u.Host, "code", e.Code, "err", err,
			"took", time.Since(start))
		return Practice{}, e
	}
	p, err := a.addManual(a.ctx, base, u)
	if err != nil {
		return Practice{}, err
	}
	a.log.Info("practice added by address", "host", u.Host, "practice", p.Code)
	return practiceView(p, true), nil
}

// parseManualBase turns what the patient typed into a practice base: an
// https URL with a host, no user info, query or fragment, and no trailing
// slash, which healow refuses in aud (HEALOW.md §1).
func parseManualBase(raw string, allowHTTP bool) (string, *url.URL, *Error) {
	invalid := errorf(CodeInvalidInput, "That is not an address Chartkeep can use. Enter the "+
		"practice’s FHIR address as they gave it to you, for example %s.", baseExample)
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", nil, errorf(CodeInvalidInput, "Enter the practice’s FHIR address, for "+
			"example %s.", baseExample)
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	s = trimBaseSuffixes(s)
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery ||
		u.Fragment != "" || u.Opaque != "" || strings.ContainsAny(s, " \t\r\n") {
		return "", nil, invalid
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP && isLoopbackIP(u.Hostname()):
	case u.Scheme == "http":
		return "", nil, errorf(CodeInvalidInput, "Chartkeep only connects to practices over a "+
			"secure connection: the address must start with https://, not http://.")
	default:
		return "", nil, invalid
	}
	u.Host = strings.ToLower(u.Host)
	base, err := smart.NormalizeBase(u.String())
	if err != nil {
		return "", nil, invalid
	}
	return base, u, nil
}

// trimBaseSuffixes drops trailing slashes and the endings a patient may
// paste along with the base: the discovery document or the
// CapabilityStatement.
func trimBaseSuffixes(s string) string {
	s = strings.TrimRight(s, "/")
	for _, suffix := range []string{"/.well-known/smart-configuration", "/metadata"} {
		if strings.HasSuffix(strings.ToLower(s), suffix) {
			s = strings.TrimRight(s[:len(s)-len(suffix)], "/")
		}
	}
	return s
}

func isLoopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// probeError says in the patient's words why the address did not work.
func probeError(host string, err error) *Error {
	switch {
	case errors.Is(err, smart.ErrBadBase):
		return newError(CodeInvalidInput, "That is not an address Chartkeep can use. Enter the "+
			"practice’s FHIR address, for example "+baseExample+".", err)
	case classifyNet(err) == netTLS:
		return newError(CodeNetwork, host+" answered, but its security certificate could not be "+
			"verified, so Chartkeep sent nothing there. Check the address; if it is right, "+
			"the practice’s server is set up wrongly.", err)
	case classifyNet(err) != netNone:
		return newError(CodeNetwork, "Chartkeep could not reach "+host+". Check the address "+
			"for typing mistakes and that this computer is online, then try again.", err)
	}
	return newError(CodePracticeNotEnabled, host+" answered, but it does not offer healow "+
		"patient access at this address. Either this is not the practice’s FHIR address, or "+
		"the practice has not enabled healow patient access yet. "+askPractice, err)
}

// manualSet is the practices the patient added by address. It is
// immutable; adding one makes a new set.
type manualSet struct {
	list  []directory.Practice
	index *directory.Index
}

func newManualSet(ps []directory.Practice) *manualSet {
	return &manualSet{list: ps, index: directory.NewIndex(ps)}
}

// manualPractices returns the manual practices, loading them from the
// database the first time. A database error gives an empty set, which is
// not kept, so the next call tries again.
func (a *App) manualPractices(ctx context.Context) *manualSet {
	d := &a.directory
	d.mu.Lock()
	m := d.manual
	d.mu.Unlock()
	if m != nil {
		return m
	}
	rows, err := a.store.ListManualPractices(ctx)
	if err != nil {
		a.log.Warn("manual practices not loaded", "err", err)
		return newManualSet(nil)
	}
	ps := make([]directory.Practice, len(rows))
	for i, r := range rows {
		ps[i] = directory.Practice{Code: r.Code, Name: r.Name, Base: r.Base}
	}
	m = newManualSet(ps)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.manual == nil {
		d.manual = m
	}
	return d.manual
}

func (a *App) searchManual(ctx context.Context, query string,
	o directory.SearchOptions) []Practice {
	var out []Practice
	for _, p := range a.manualPractices(ctx).index.SearchWith(query, o) {
		out = append(out, practiceView(p, true))
	}
	return out
}

func (a *App) manualByCode(ctx context.Context, code string) (directory.Practice, bool) {
	return a.manualPractices(ctx).index.ByCode(code)
}

// practiceByBase finds a known practice with this base: a manual one, or
// one of the directory when it is in memory or saved (never downloaded for
// this).
func (a *App) practiceByBase(ctx context.Context, base string) (directory.Practice, bool, bool) {
	if p, ok := a.manualPractices(ctx).index.ByBase(base); ok {
		return p, true, true
	}
	url := a.directoryURL()
	ix := a.directory.current(url)
	if ix == nil && a.loadCachedDirectory(ctx, url) {
		ix = a.directory.current(url)
	}
	if ix != nil {
		if p, ok := ix.ByBase(base); ok {
			return p, false, true
		}
	}
	return directory.Practice{}, false, false
}

// addManual saves a practice at base and adds it to the manual set. Its
// code is the last segment of the path (healow's practice code), made
// unique among the directory's and the other manual practices' codes.
func (a *App) addManual(ctx context.Context, base string, u *url.URL) (directory.Practice, error) {
	d := &a.directory
	d.manualMu.Lock()
	defer d.manualMu.Unlock()
	m := a.manualPractices(ctx)
	if p, ok := m.index.ByBase(base); ok {
		return p, nil
	}
	p := directory.Practice{Code: a.freeCode(m, manualCode(u)), Base: base,
		Name: "Practice at " + u.Hostname()}
	row := &store.ManualPractice{Base: p.Base, Code: p.Code, Name: p.Name}
	if err := a.store.SaveManualPractice(ctx, row); err != nil {
		return directory.Practice{}, newError(CodeInternal,
			"Chartkeep could not save this practice in its database. Try again; the log file "+
				"has details.", err)
	}
	ps := append(append([]directory.Practice(nil), m.list...), p)
	d.mu.Lock()
	d.manual = newManualSet(ps)
	d.mu.Unlock()
	return p, nil
}

// manualCode is the last path segment of u, or its host when the path is
// empty. Codes are not validated by shape (HEALOW.md §2: WELLMED, MIDOC1).
func manualCode(u *url.URL) string {
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	code := strings.TrimSpace(segs[len(segs)-1])
	if code == "" {
		code = u.Hostname()
	}
	if r := []rune(code); len(r) > 64 {
		code = string(r[:64])
	}
	return code
}

// freeCode returns code, or code-2, code-3 ... when a directory or manual
// practice already uses it.
func (a *App) freeCode(m *manualSet, code string) string {
	dir := a.directory.current(a.directoryURL())
	taken := func(c string) bool {
		if _, ok := m.index.ByCode(c); ok {
			return true
		}
		if dir == nil {
			return false
		}
		_, ok := dir.ByCode(c)
		return ok
	}
	candidate := code
	for n := 2; taken(candidate); n++ {
		candidate = fmt.Sprintf("%s-%d", code, n)
	}
	return candidate
}
