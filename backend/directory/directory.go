// Package directory downloads healow's directory of practices that have
// patient API access switched on, and searches it by name.
//
// The directory is one FHIR Bundle of Endpoint and Organization entries,
// about 15 MB (HEALOW.md §2); Fetch decodes it entry by entry and never
// holds the whole body. Its names are dirty, so they are cleaned for display
// and normalised again for search.
package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// DefaultURL is healow's live directory of activated practices.
const DefaultURL = "https://connect4.healow.com/apps/api/v1/fhir/activated_clinical_endpoints"

// Limits of Fetch.
const (
	// MaxBodyBytes bounds the directory body (it is about 15 MB).
	MaxBodyBytes = 64 << 20
	// FetchTimeout bounds the whole download when ctx has no earlier deadline.
	FetchTimeout = 2 * time.Minute
)

// ErrFormat reports a directory that is not the expected Bundle.
var ErrFormat = errors.New("directory: not a healow directory bundle")

// ErrTooLarge reports a directory body over MaxBodyBytes.
var ErrTooLarge = errors.New("directory: directory larger than the limit")

// Practice is one practice of the directory. Code is the practice code
// shared by its Endpoint and Organization; Base is its FHIR base URL (https,
// no trailing slash); Name is cleaned for display.
type Practice struct {
	Code, Name, Base, City, State string
}

// Fetch downloads and parses the directory at url with hc (a default client
// when nil). The directory decides where patients sign in, so url must be
// https (or http on a loopback IP, for the demo) and redirects are followed
// only to such URLs. Entries without a usable https base are dropped; the
// result is sorted by name, then code.
func Fetch(ctx context.Context, hc *http.Client, url string) ([]Practice, error) {
	return fetch(ctx, hc, url, MaxBodyBytes)
}

// fetch is Fetch with a body limit of its own, for tests.
func fetch(ctx context.Context, hc *http.Client, dirURL string, limit int64) ([]Practice, error) {
	u, err := url.Parse(dirURL)
	if err != nil || !secureURL(u) {
		return nil, fmt.Errorf("directory: refusing directory URL %q: not https", dirURL)
	}
	hc = secureRedirects(hc)
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("directory: request: %w", err)
	}
	req.Header.Set("Accept", "application/fhir+json, application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("directory: download: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("directory: download answered HTTP %d", resp.StatusCode)
	}
	if !isJSON(resp.Header.Get("Content-Type")) {
		return nil, fmt.Errorf("%w: content type %q", ErrFormat, resp.Header.Get("Content-Type"))
	}
	lr := &limitedReader{r: resp.Body, left: limit}
	ps, stats, err := Parse(lr)
	if lr.over {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
	}
	if err != nil {
		return nil, err
	}
	slog.Info("directory: fetched", "practices", len(ps), "entries", stats.Entries,
		"dropped", stats.Dropped, "took", time.Since(start))
	return ps, nil
}

// secureRedirects returns a copy of hc (or of a default client) that
// follows at most three redirects, each to an https or loopback URL.
func secureRedirects(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !secureURL(req.URL) || len(via) >= 3 {
			return fmt.Errorf("directory: refused redirect to %s", req.URL.Redacted())
		}
		return nil
	}
	return &c
}

// limitedReader fails once more than left bytes have been read, so that a
// truncated body is not mistaken for a short directory.
type limitedReader struct {
	r    io.Reader
	left int64
	over bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One more byte tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			l.over = true
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// isJSON accepts application/json and the FHIR JSON types, with parameters.
func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct == ""
	}
	switch mt {
	case "application/json", "application/fhir+json", "application/json+fhir":
		return true
	}
	return false
}

// Stats counts what Parse saw.
type Stats struct {
	Entries, Dropped int
}

// Parse reads a directory Bundle from r, one entry at a time, and merges
// Endpoint and Organization entries by practice code.
func Parse(r io.Reader) ([]Practice, Stats, error) {
	dec := json.NewDecoder(r)
	m := newMerger()
	if err := expectDelim(dec, '{'); err != nil {
		return nil, Stats{}, err
	}
	sawBundle := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, Stats{}, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		switch key {
		case "resourceType":
			var rt string
			if err := dec.Decode(&rt); err != nil || rt != "Bundle" {
				return nil, Stats{}, fmt.Errorf("%w: resourceType %q", ErrFormat, rt)
			}
			sawBundle = true
		case "entry":
			if err := m.entries(dec); err != nil {
				return nil, Stats{}, err
			}
		default:
			if err := skipValue(dec); err != nil {
				return nil, Stats{}, fmt.Errorf("%w: %v", ErrFormat, err)
			}
		}
	}
	if !sawBundle {
		return nil, Stats{}, fmt.Errorf("%w: no resourceType", ErrFormat)
	}
	ps, stats := m.practices()
	return ps, stats, nil
}

// expectDelim reads one delimiter token.
func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%w: expected %q, got %v", ErrFormat, want, tok)
	}
	return nil
}

// skipValue consumes one value token by token, whatever its size.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// entry is the part of a Bundle entry Parse reads.
type entry struct {
	Resource struct {
		ResourceType string          `json:"resourceType"`
		ID           string          `json:"id"`
		Name         string          `json:"name"`
		Status       string          `json:"status"`
		Address      json.RawMessage `json:"address"` // Endpoint: string; Organization: []Address
		ManagingOrg  *reference      `json:"managingOrganization"`
	} `json:"resource"`
}

// reference is a FHIR Reference, as far as the directory needs.
type reference struct {
	Reference string `json:"reference"`
}

// orgAddress is a FHIR Address, as far as the directory needs.
type orgAddress struct {
	City  string `json:"city"`
	State string `json:"state"`
}

// merger collects Endpoints and Organizations until the end of the Bundle.
type merger struct {
	endpoints []endpoint
	seen      map[string]bool
	orgs      map[string]organization
	stats     Stats
}

type endpoint struct{ code, org, name, base string }
type organization struct{ name, city, state string }

func newMerger() *merger {
	return &merger{seen: make(map[string]bool), orgs: make(map[string]organization)}
}

// entries decodes the entry array one element at a time.
func (m *merger) entries(dec *json.Decoder) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	for dec.More() {
		var e entry
		if err := dec.Decode(&e); err != nil {
			return fmt.Errorf("%w: entry %d: %v", ErrFormat, m.stats.Entries, err)
		}
		m.stats.Entries++
		m.add(&e)
	}
	return expectDelim(dec, ']')
}

// add files one entry; anything unusable is counted as dropped.
func (m *merger) add(e *entry) {
	r := &e.Resource
	code := strings.TrimSpace(r.ID)
	if code == "" || len(code) > 64 {
		m.stats.Dropped++
		return
	}
	switch r.ResourceType {
	case "Endpoint":
		m.addEndpoint(code, r.Name, r.Status, r.Address, r.ManagingOrg)
	case "Organization":
		var addrs []orgAddress
		_ = json.Unmarshal(r.Address, &addrs) // a malformed address only loses the city
		o := organization{name: CleanName(r.Name)}
		if len(addrs) > 0 {
			o.city, o.state = CleanName(addrs[0].City), CleanName(addrs[0].State)
		}
		if _, dup := m.orgs[code]; !dup {
			m.orgs[code] = o
		}
	default:
		m.stats.Dropped++
	}
}

// addEndpoint files an Endpoint unless its base is unusable, its code was
// seen, or its status says it is switched off.
func (m *merger) addEndpoint(code, name, status string, addr json.RawMessage, org *reference) {
	var raw string
	_ = json.Unmarshal(addr, &raw)
	base, ok := cleanBase(raw)
	switch {
	case !ok, m.seen[code]:
		m.stats.Dropped++
		return
	case status == "off", status == "suspended", status == "error", status == "entered-in-error":
		m.stats.Dropped++
		return
	}
	m.seen[code] = true
	orgID := code
	if org != nil {
		if id, found := strings.CutPrefix(org.Reference, "Organization/"); found && id != "" {
			orgID = id
		}
	}
	m.endpoints = append(m.endpoints,
		endpoint{code: code, org: orgID, name: CleanName(name), base: base})
}

// practices joins each Endpoint with its Organization.
func (m *merger) practices() ([]Practice, Stats) {
	ps := make([]Practice, 0, len(m.endpoints))
	for _, e := range m.endpoints {
		p := Practice{Code: e.code, Base: e.base, Name: e.name}
		if o, ok := m.orgs[e.org]; ok {
			if o.name != "" {
				p.Name = o.name
			}
			p.City, p.State = o.city, o.state
		}
		if p.Name == "" {
			p.Name = p.Code
		}
		ps = append(ps, p)
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Name != ps[j].Name {
			return ps[i].Name < ps[j].Name
		}
		return ps[i].Code < ps[j].Code
	})
	return ps, m.stats
}

// cleanBase checks an Endpoint.address: https (or http on a loopback IP,
// for the demo simulator), a host, no user info, query or fragment. It
// returns it without a trailing slash, which healow refuses in aud
// (HEALOW.md §1).
func cleanBase(raw string) (string, bool) {
	raw = strings.TrimSuffix(strings.TrimSpace(raw), "/")
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	return raw, secureURL(u)
}

// secureURL accepts https URLs with a host and no user info, and http ones
// on a loopback IP (the demo simulator).
func secureURL(u *url.URL) bool {
	if u.Host == "" || u.User != nil {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return u.Scheme == "http" && ip != nil && ip.IsLoopback()
}
