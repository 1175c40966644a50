package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"chartkeep/backend/directory"
	"chartkeep/backend/store"
)

// Practice is one practice in the picker.
type Practice struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Base  string `json:"base"`
	City  string `json:"city"`
	State string `json:"state"`
	// IsTest marks a test or training tenant, such as the public sandbox.
	IsTest bool `json:"isTest"`
	// Manual marks a practice the patient added by its address because
	// the directory does not list it (see ProbePractice).
	Manual bool `json:"manual"`
}

// DirectoryInfo says how complete and how fresh the practice list is.
type DirectoryInfo struct {
	// Practices is the number of practices in the list; 0 before the
	// first download.
	Practices int `json:"practices"`
	// FetchedAt is when the list was downloaded (RFC 3339), "" before the
	// first download.
	FetchedAt string `json:"fetchedAt"`
	// AgeText says the same for the patient: "updated 3 days ago".
	AgeText string `json:"ageText"`
	// Source is the address the list is downloaded from.
	Source string `json:"source"`
	// Refreshing is set while a download runs.
	Refreshing bool `json:"refreshing"`
	// Error says why the last download failed; "" when it did not.
	Error string `json:"error"`
}

// The directory:status event carries a DirectoryInfo whenever a download
// starts or ends.
const eventDirectoryStatus = "directory:status"

const (
	// directoryMaxAge is how old the list may get before it is downloaded
	// again in the background. It changes continuously (HEALOW.md §2), but
	// a practice that was listed a week ago still is, nearly always.
	directoryMaxAge = 7 * 24 * time.Hour
	// directoryRetry spaces background downloads after a failure, so that
	// searching offline does not retry on every keystroke.
	directoryRetry = time.Hour
	// searchLimit bounds the practices one search returns.
	searchLimit = 50
)

// directoryState is the practice directory as the app holds it: the index
// in memory, where and when it was downloaded, the download in progress and
// the practices the patient added by hand. It has its own lock, so that a
// search never waits for App.mu.
type directoryState struct {
	mu sync.Mutex
	// now is the clock; nil means time.Now. Tests set it.
	now       func() time.Time
	index     *directory.Index
	source    string
	fetchedAt time.Time
	running   *download // the download in progress, nil when none
	last      *download // the last download that ended

	manualMu sync.Mutex // serialises adding manual practices
	manual   *manualSet // nil until loaded from the database
}

// download is one download of the directory. err is set before done is
// closed.
type download struct {
	url  string
	done chan struct{}
	err  error
	at   time.Time // when it ended
}

func (d *directoryState) clock() time.Time {
	if d.now != nil {
		return d.now()
	}
	return time.Now()
}

// current returns the index when it came from url, else nil.
func (d *directoryState) current(url string) *directory.Index {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.source != url {
		return nil
	}
	return d.index
}

// install makes ps, downloaded from url at fetchedAt, the current index,
// unless a newer list from url is already installed.
func (d *directoryState) install(url string, ps []directory.Practice, fetchedAt time.Time) {
	ix := directory.NewIndex(ps)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.index != nil && d.source == url && !fetchedAt.After(d.fetchedAt) {
		return
	}
	d.index, d.source, d.fetchedAt = ix, url, fetchedAt
}

// GetSettings returns the current settings.
func (a *App) GetSettings() (Settings, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.settings
	s.Demo = a.opts.Demo
	return s, nil
}

// SaveSettings checks and saves the settings. A changed callback port takes
// effect at the next start.
func (a *App) SaveSettings(s Settings) error {
	if err := a.ready(); err != nil {
		return err
	}
	if a.opts.Demo {
		return errorf(CodeInvalidInput, "The demo practice needs no settings.")
	}
	s.ClientID = strings.TrimSpace(s.ClientID)
	s.PublicURL = strings.TrimRight(strings.TrimSpace(s.PublicURL), "/")
	s = s.withDefaults()
	if err := s.validate(a.opts.AllowHTTPLoopback); err != nil {
		return err
	}
	if err := saveSettings(a.dataDir, s); err != nil {
		return newError(CodeInternal, "Chartkeep could not save the settings file.", err)
	}
	a.mu.Lock()
	a.settings = s
	a.mu.Unlock()
	return nil
}

// SearchPractices finds practices by name, city or code: the ones the
// patient added by address first, then healow's directory, ranked, at most
// 50. Test and training tenants are left out unless includeTest is set.
//
// The directory comes from memory, else from the database (so it works
// offline), else it is downloaded, which the first search waits for. A list
// older than a week is downloaded again in the background while the old
// one keeps answering.
func (a *App) SearchPractices(query string, includeTest bool) ([]Practice, error) {
	if err := a.ready(); err != nil {
		return nil, err
	}
	ix, err := a.practiceIndex(a.ctx)
	if err != nil {
		return nil, err
	}
	o := directory.SearchOptions{Limit: searchLimit, HideTest: !includeTest}
	out := a.searchManual(a.ctx, query, o)
	for _, p := range ix.SearchWith(query, o) {
		out = append(out, practiceView(p, false))
	}
	if len(out) > searchLimit {
		out = out[:searchLimit]
	}
	return out, nil
}

// DirectoryStatus says how many practices the list holds and how old it
// is. When no list was ever downloaded it starts the download, so that the
// first search finds it ready; it never waits for the network.
func (a *App) DirectoryStatus() (DirectoryInfo, error) {
	if err := a.ready(); err != nil {
		return DirectoryInfo{}, err
	}
	url := a.directoryURL()
	if a.directory.current(url) != nil || a.loadCachedDirectory(a.ctx, url) {
		a.refreshIfStale(url)
	} else if a.mayRetry(url) {
		a.startDownload(url)
	}
	return a.directoryInfo(url), nil
}

// RefreshDirectory downloads the practice list again now and waits for it.
// When the download fails the list already saved stays in use.
func (a *App) RefreshDirectory() error {
	if err := a.ready(); err != nil {
		return err
	}
	return a.downloadAndWait(a.ctx, a.directoryURL())
}

func practiceView(p directory.Practice, manual bool) Practice {
	return Practice{Code: p.Code, Name: p.Name, Base: p.Base, City: p.City, State: p.State,
		IsTest: directory.IsTestTenant(p), Manual: manual}
}

func (a *App) directoryURL() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if u := strings.TrimSpace(a.settings.DirectoryURL); u != "" {
		return u
	}
	return directory.DefaultURL
}

// practiceIndex returns the directory's index: from memory, else from the
// database, else downloaded now.
func (a *App) practiceIndex(ctx context.Context) (*directory.Index, error) {
	url := a.directoryURL()
	if ix := a.directory.current(url); ix != nil {
		a.refreshIfStale(url)
		return ix, nil
	}
	if a.loadCachedDirectory(ctx, url) {
		if ix := a.directory.current(url); ix != nil {
			a.refreshIfStale(url)
			return ix, nil
		}
	}
	if err := a.downloadAndWait(ctx, url); err != nil {
		return nil, err
	}
	if ix := a.directory.current(url); ix != nil {
		return ix, nil
	}
	return nil, errorf(CodeBusy, "The practice list changed while it was loading; try again.")
}

// loadCachedDirectory installs the list saved from url, if there is one,
// and reports whether it did. A damaged cache counts as none.
func (a *App) loadCachedDirectory(ctx context.Context, url string) bool {
	start := time.Now()
	rows, fetchedAt, err := a.store.LoadDirectory(ctx, url)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			a.log.Warn("practice directory cache unusable", "err", err)
		}
		return false
	}
	if len(rows) == 0 {
		return false
	}
	ps := make([]directory.Practice, len(rows))
	for i, r := range rows {
		ps[i] = directory.Practice(r)
	}
	a.directory.install(url, ps, fetchedAt)
	a.log.Info("practice directory loaded from the database", "practices", len(ps),
		"fetched_at", fetchedAt.Format(time.RFC3339), "took", time.Since(start))
	return true
}

// refreshIfStale starts a background download when the list from url is
// older than directoryMaxAge, unless one runs or one failed lately.
func (a *App) refreshIfStale(url string) {
	d := &a.directory
	d.mu.Lock()
	age := d.clock().Sub(d.fetchedAt)
	stale := d.source == url && age > directoryMaxAge
	d.mu.Unlock()
	if stale && a.mayRetry(url) {
		a.log.Info("practice directory is old; downloading it in the background",
			"age", age.Round(time.Hour))
		a.startDownload(url)
	}
}

// mayRetry reports whether a background download of url may start: none
// runs, and the last one did not fail within directoryRetry.
func (a *App) mayRetry(url string) bool {
	d := &a.directory
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.running != nil {
		return false
	}
	l := d.last
	return l == nil || l.url != url || l.err == nil || d.clock().Sub(l.at) >= directoryRetry
}

// startDownload starts downloading url in the background, or returns the
// download already running (which may be of another URL, after the
// settings changed).
func (a *App) startDownload(url string) *download {
	d := &a.directory
	d.mu.Lock()
	if dl := d.running; dl != nil {
		d.mu.Unlock()
		return dl
	}
	dl := &download{url: url, done: make(chan struct{})}
	d.running = dl
	d.mu.Unlock()

	a.emit(eventDirectoryStatus, a.directoryInfo(url))
	go a.runDownload(dl)
	return dl
}

func (a *App) runDownload(dl *download) {
	err := a.fetchDirectory(dl.url)
	if err != nil {
		a.log.Warn("practice directory download failed; the saved list stays in use",
			"err", err)
	}
	d := &a.directory
	d.mu.Lock()
	dl.err, dl.at = err, d.clock()
	d.running, d.last = nil, dl
	d.mu.Unlock()
	close(dl.done)
	a.emit(eventDirectoryStatus, a.directoryInfo(dl.url))
}

// fetchDirectory downloads the list from url, saves it and installs it.
// The download is not tied to any caller: a window that stops waiting
// does not waste the 15 MB already received.
func (a *App) fetchDirectory(url string) error {
	ctx := a.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), directory.FetchTimeout)
	defer cancel()
	ps, err := directory.Fetch(ctx, a.httpClient(), url)
	if err != nil {
		return err
	}
	// An empty list is an outage, not a directory where every practice
	// left; replacing the saved list with it would hide them all.
	if len(ps) == 0 {
		return errEmptyDirectory
	}
	fetchedAt := a.directory.clock()
	rows := make([]store.CachedPractice, len(ps))
	for i, p := range ps {
		rows[i] = store.CachedPractice(p)
	}
	if err := a.store.SaveDirectory(ctx, url, rows, fetchedAt); err != nil {
		a.log.Warn("practice directory not saved; using it until Chartkeep closes", "err", err)
	}
	a.directory.install(url, ps, fetchedAt)
	a.log.Info("practice directory downloaded", "practices", len(ps))
	return nil
}

var errEmptyDirectory = errors.New("app: the practice directory came back empty")

// downloadAndWait downloads url (or joins the download of it in progress)
// and waits for the end. A running download of another URL is waited
// for, then url is downloaded.
func (a *App) downloadAndWait(ctx context.Context, url string) error {
	for range 2 {
		dl := a.startDownload(url)
		select {
		case <-dl.done:
		case <-ctx.Done():
			return newError(CodeBusy, "The practice list is still downloading; try again in a "+
				"moment.", ctx.Err())
		}
		if dl.url == url {
			if dl.err != nil {
				return directoryError(dl.err)
			}
			return nil
		}
	}
	return errorf(CodeBusy, "The practice list changed while it was loading; try again.")
}

// directoryError says in the patient's words why the list did not arrive.
func directoryError(err error) *Error {
	switch {
	case errors.Is(err, directory.ErrFormat), errors.Is(err, directory.ErrTooLarge),
		errors.Is(err, errEmptyDirectory):
		return newError(CodeNetwork, "healow's list of practices did not arrive intact; healow "+
			"may be having trouble. Try again later.", err)
	}
	return newError(CodeNetwork, "Chartkeep could not download healow's list of practices. "+
		"Check your internet connection and try again.", fmt.Errorf("app: directory: %w", err))
}

func (a *App) directoryInfo(url string) DirectoryInfo {
	d := &a.directory
	d.mu.Lock()
	defer d.mu.Unlock()
	in := DirectoryInfo{Source: url, Refreshing: d.running != nil, AgeText: "not downloaded yet"}
	if d.index != nil && d.source == url {
		in.Practices = d.index.Len()
		in.FetchedAt = d.fetchedAt.UTC().Format(time.RFC3339)
		in.AgeText = ageText(d.clock().Sub(d.fetchedAt))
	}
	if l := d.last; l != nil && l.url == url && l.err != nil {
		in.Error = directoryError(l.err).Message
	}
	return in
}

// ageText says how long ago something was updated, roughly, for a patient.
func ageText(age time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "updated 1 " + unit + " ago"
		}
		return fmt.Sprintf("updated %d %ss ago", n, unit)
	}
	switch {
	case age < time.Minute:
		return "updated just now"
	case age < time.Hour:
		return plural(int(age/time.Minute), "minute")
	case age < 24*time.Hour:
		return plural(int(age/time.Hour), "hour")
	case age < 48*time.Hour:
		return "updated yesterday"
	}
	return plural(int(age/(24*time.Hour)), "day")
}

// findPractice returns the practice Connect was asked for: one the patient
// added by address, else one of the directory.
func (a *App) findPractice(ctx context.Context, code string) (directory.Practice, error) {
	if p, ok := a.manualByCode(ctx, code); ok {
		return p, nil
	}
	ix, err := a.practiceIndex(ctx)
	if err != nil {
		return directory.Practice{}, err
	}
	if p, ok := ix.ByCode(code); ok {
		return p, nil
	}
	return directory.Practice{}, errorf(CodeNotFound,
		"That practice is no longer in healow's list. It may have turned off patient access; "+
			"ask the practice to enable healow FHIR access for patients.")
}
