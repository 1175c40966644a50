package simulator

import "sync"

// LinkMode selects how searchset Bundles write their next link.
type LinkMode int

// Link modes. Every mode keeps healow's plain-http foreign host for self
// links and fullUrls (HEALOW.md §3).
const (
	// LinksNormal writes a next link only when another page exists.
	LinksNormal LinkMode = iota
	// LinksLoop makes every page's next link point at that page itself, so
	// a client that does not detect loops pages forever.
	LinksLoop
	// LinksForeign makes every page's next link point at another https
	// host, on a path that cannot be mapped onto the practice base.
	LinksForeign
)

// ForeignNextLink is the next link written in LinksForeign mode, before
// its query.
const ForeignNextLink = "https://fhir.other-vendor.example/api/FHIR/R4/"

// Faults are failure-injection switches for tests and benchmarks. They
// take effect at once and stay until Reset. The zero value is not usable;
// get one from Server.Faults.
type Faults struct {
	mu      sync.Mutex
	pages   map[pageFault]bool
	burst   int
	links   LinkMode
	removed map[string]bool // "Type/id"
	gen     int             // token generation; see ExpireTokens
}

type pageFault struct {
	typ  string
	page int
}

func newFaults() *Faults {
	return &Faults{pages: map[pageFault]bool{}, removed: map[string]bool{}}
}

// FailPage makes page number page (1 is the search itself) of every search
// of type typ answer 500 with an OperationOutcome.
func (f *Faults) FailPage(typ string, page int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages[pageFault{typ, page}] = true
}

// Force429 makes the next n rate-limited requests (FHIR, authorize, login,
// consent, token) answer a bare 429 whatever the counters say.
func (f *Faults) Force429(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.burst = max(n, 0)
}

// SetLinks selects the next-link mode.
func (f *Faults) SetLinks(m LinkMode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.links = m
}

// Remove deletes a resource as the practice would: reads answer 410 Gone
// and searches leave it out, for every patient.
func (f *Faults) Remove(typ, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed[typ+"/"+id] = true
}

// ExpireTokens makes every access token issued so far invalid at once;
// tokens issued afterwards are unaffected.
func (f *Faults) ExpireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen++
}

// Reset clears every fault except token expiry, which cannot be undone.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages = map[pageFault]bool{}
	f.removed = map[string]bool{}
	f.burst, f.links = 0, LinksNormal
}

func (f *Faults) pageFails(typ string, page int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pages[pageFault{typ, page}]
}

func (f *Faults) take429() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.burst == 0 {
		return false
	}
	f.burst--
	return true
}

func (f *Faults) linkMode() LinkMode {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.links
}

func (f *Faults) isRemoved(typ, id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.removed[typ+"/"+id]
}

func (f *Faults) generation() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gen
}
