package simulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"chartkeep/backend/simulator/fhirdata"
)

// fhirContentType is healow's DSTU2-era media type (HEALOW.md §3).
const fhirContentType = "application/json+fhir;charset=UTF-8"

// serveFHIR routes everything under a practice base: discovery, the
// CapabilityStatement, and the bearer-protected read, search and paging.
func (s *Server) serveFHIR(w http.ResponseWriter, r *http.Request) {
	code, rest := r.PathValue("code"), r.PathValue("rest")
	if s.practice(code) == nil {
		writeOutcome(w, http.StatusNotFound, "not-found", "Unknown FHIR server")
		return
	}
	if !s.admit(w, code) {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeOutcome(w, http.StatusMethodNotAllowed, "not-supported",
			"Only read and search-type are supported")
		return
	}
	switch rest {
	case smartConfig:
		s.serveSMARTConfiguration(w, r, code)
		return
	case "metadata":
		s.serveMetadata(w, r, code)
		return
	}
	tok, c, ok := s.bearer(w, r, code)
	if !ok {
		return
	}
	parts := strings.Split(rest, "/")
	switch {
	case r.URL.Query().Has("_getpages") && len(parts) == 1:
		s.servePage(w, r, code, tok, c)
	case rest != "" && len(parts) == 1:
		s.serveSearch(w, r, code, parts[0], tok, c)
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		s.serveRead(w, r, parts[0], parts[1], tok, c)
	default:
		writeOutcome(w, http.StatusNotFound, "not-supported", "Unknown operation")
	}
}

// bearer checks the access token: known, unexpired, not revoked by
// ExpireTokens, and issued for this practice (HEALOW.md §3: 401 with an
// OperationOutcome).
func (s *Server) bearer(w http.ResponseWriter, r *http.Request,
	code string) (accessToken, chart, bool) {
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		unauthorized(w, "No access token was provided")
		return accessToken{}, nil, false
	}
	gen := s.faults.generation()
	s.mu.Lock()
	tok, found := s.tokens[raw]
	var c chart
	if found && tok.practice == code {
		c = s.practices[code].patients[tok.patientID]
	}
	s.mu.Unlock()
	if !found || c == nil || tok.gen != gen || !s.now().Before(tok.expires) {
		unauthorized(w, "The access token is invalid or has expired")
		return accessToken{}, nil, false
	}
	return *tok, c, true
}

func unauthorized(w http.ResponseWriter, diag string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="healow", error="invalid_token"`)
	writeOutcome(w, http.StatusUnauthorized, "login", diag)
}

func (s *Server) serveRead(w http.ResponseWriter, r *http.Request, typ, id string,
	tok accessToken, c chart) {
	if !allows(tok.scopes, typ, 'r') {
		forbidden(w, "The granted scopes do not allow reading "+typ)
		return
	}
	if s.faults.isRemoved(typ, id) {
		writeOutcome(w, http.StatusGone, "deleted", "The resource has been deleted")
		return
	}
	raw, ok := c.Read(typ, id)
	if !ok {
		writeOutcome(w, http.StatusNotFound, "not-found", "Resource "+typ+" is not known")
		return
	}
	if typ == "Binary" && !wantsFHIR(r.Header.Get("Accept")) {
		serveRawBinary(w, raw)
		return
	}
	w.Header().Set("Content-Type", fhirContentType)
	_, _ = w.Write(raw)
}

// wantsFHIR reports whether an Accept header names a FHIR JSON type. HAPI
// answers a Binary read with the Binary resource only then, and with the
// raw content otherwise (HEALOW.md §3: read Binary with
// Accept: application/fhir+json).
func wantsFHIR(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(part, ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "application/fhir+json", "application/json+fhir", "application/json":
			return true
		}
	}
	return false
}

func serveRawBinary(w http.ResponseWriter, raw json.RawMessage) {
	var b struct {
		ContentType string `json:"contentType"`
		Data        []byte `json:"data"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		writeOutcome(w, http.StatusInternalServerError, "exception", "Internal server error")
		return
	}
	if b.ContentType == "" {
		b.ContentType = "application/octet-stream"
	}
	w.Header().Set("Content-Type", b.ContentType)
	_, _ = w.Write(b.Data)
}

func (s *Server) serveSearch(w http.ResponseWriter, r *http.Request, code, typ string,
	tok accessToken, c chart) {
	if !allows(tok.scopes, typ, 's') {
		forbidden(w, "The granted scopes do not allow searching "+typ)
		return
	}
	q := r.URL.Query()
	count, ok := s.pageSize(q)
	if !ok {
		writeOutcome(w, http.StatusBadRequest, "processing", "Invalid _count value")
		return
	}
	if otherPatient(q, tok.patientID) {
		forbidden(w, "The search names a patient outside the token's context")
		return
	}
	if s.faults.pageFails(typ, 1) {
		writeOutcome(w, http.StatusInternalServerError, "exception", "Internal server error")
		return
	}
	res, err := c.Search(typ, q)
	if err != nil {
		var se *fhirdata.SearchError
		if errors.As(err, &se) {
			writeOutcome(w, se.Status, "processing", se.Diagnostics)
			return
		}
		writeOutcome(w, http.StatusInternalServerError, "exception", "Internal server error")
		return
	}
	set := &pageSet{practice: code, patientID: tok.patientID, typ: typ, entries: res, count: count}
	if len(res) > count {
		s.putPages(set)
	}
	self := s.linkBase(code) + "/" + typ
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	s.writePage(w, set, 0, count, self)
}

// pageSize reads _count: healow-like default, capped at MaxPageSize.
func (s *Server) pageSize(q url.Values) (int, bool) {
	v := q.Get("_count")
	if v == "" {
		return s.opts.PageSize, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, false
	}
	return min(n, s.opts.MaxPageSize), true
}

// otherPatient reports whether a patient parameter names someone other
// than the token's patient ("id", "Patient/id" or an absolute URL). Such a
// search is refused rather than answered empty.
func otherPatient(q url.Values, patientID string) bool {
	for _, v := range q["patient"] {
		for _, ref := range strings.Split(v, ",") {
			ref = strings.TrimSpace(ref)
			if ref != "" && ref[strings.LastIndex(ref, "/")+1:] != patientID {
				return true
			}
		}
	}
	return false
}

// allows reports whether a SMART v1 (.read, .*) or v2 (.rs, .cruds) scope
// grants op ('r' read, 's' search) on typ. Granular v2 query suffixes are
// not enforced.
func allows(scopes []string, typ string, op byte) bool {
	for _, sc := range scopes {
		ctx, rest, ok := strings.Cut(sc, "/")
		if !ok || (ctx != "patient" && ctx != "user") {
			continue
		}
		t, perm, ok := strings.Cut(rest, ".")
		if !ok || (t != typ && t != "*") {
			continue
		}
		perm, _, _ = strings.Cut(perm, "?")
		if perm == "read" || perm == "*" {
			return true
		}
		if strings.Trim(perm, "cruds") == "" && strings.IndexByte(perm, op) >= 0 {
			return true
		}
	}
	return false
}

func forbidden(w http.ResponseWriter, diag string) {
	writeOutcome(w, http.StatusForbidden, "forbidden", diag)
}

func writeOutcome(w http.ResponseWriter, status int, code, diag string) {
	writeJSON(w, status, fhirContentType, map[string]any{
		"resourceType": "OperationOutcome",
		"issue": []any{map[string]string{
			"severity": "error", "code": code, "diagnostics": diag,
		}},
	})
}

// pageSet is a search result kept for paging, as HAPI keeps one under
// its _getpages id.
type pageSet struct {
	id, practice, patientID, typ string
	entries                      []json.RawMessage
	count                        int
	expires                      time.Time
}

func (s *Server) putPages(set *pageSet) {
	set.id = randomHex(16)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, v := range s.pages {
		if now.After(v.expires) {
			delete(s.pages, k)
		}
	}
	set.expires = now.Add(pageSetTTL)
	s.pages[set.id] = set
}

// servePage answers a next-link request, accepted on the practice base
// and on {base}/{Type}, with _getpages, _getpagesoffset and _count.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, code string,
	tok accessToken, _ chart) {
	q := r.URL.Query()
	s.mu.Lock()
	set := s.pages[q.Get("_getpages")]
	s.mu.Unlock()
	if set == nil || set.practice != code || set.patientID != tok.patientID ||
		s.now().After(set.expires) {
		writeOutcome(w, http.StatusGone, "not-found", "Search id does not exist and may have expired")
		return
	}
	offset, err := strconv.Atoi(q.Get("_getpagesoffset"))
	count, ok := s.pageSize(q)
	if err != nil || offset < 0 || !ok {
		writeOutcome(w, http.StatusBadRequest, "processing", "Invalid paging parameters")
		return
	}
	if !allows(tok.scopes, set.typ, 's') {
		forbidden(w, "The granted scopes do not allow searching "+set.typ)
		return
	}
	if s.faults.pageFails(set.typ, offset/count+1) {
		writeOutcome(w, http.StatusInternalServerError, "exception", "Internal server error")
		return
	}
	s.writePage(w, set, offset, count, s.pageURL(set, offset, count))
}

// linkBase is where healow's Bundle links point: plain http, another
// host (HEALOW.md §3).
func (s *Server) linkBase(code string) string {
	return "http://" + s.opts.LinkHost + fhirPrefix + code
}

func (s *Server) pageURL(set *pageSet, offset, count int) string {
	return s.linkBase(set.practice) + "?_getpages=" + set.id +
		"&_getpagesoffset=" + strconv.Itoa(offset) + "&_count=" + strconv.Itoa(count) +
		"&_bundletype=searchset"
}
