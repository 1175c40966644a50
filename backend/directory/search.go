package directory

import (
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxNameRunes bounds a display name.
const maxNameRunes = 200

// escapedPunct matches backslashes in front of a quote or slash, left by
// an exporter that escaped twice ("Women\\'s", "d\/b\/a"; HEALOW.md §2).
var escapedPunct = regexp.MustCompile(`\\+(['"/])`)

// percentEscape matches a %XX escape.
var percentEscape = regexp.MustCompile(`%[0-9A-Fa-f]{2}`)

// CleanName tidies a directory name for display: it undoes the escaping
// the live data carries ("Synergy%20Ortho", "Foot &amp; Ankle",
// "Women\\'s"), drops control characters, collapses runs of spaces,
// composes accents (NFC) and bounds the length. Accents are kept.
func CleanName(s string) string {
	if !strings.Contains(s, " ") && percentEscape.MatchString(s) {
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
	}
	if strings.Contains(s, "&") {
		s = html.UnescapeString(s)
	}
	if strings.Contains(s, `\`) {
		s = escapedPunct.ReplaceAllString(s, "$1")
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, s)
	s = norm.NFC.String(strings.Join(strings.Fields(s), " "))
	if r := []rune(s); len(r) > maxNameRunes {
		s = string(r[:maxNameRunes])
	}
	return s
}

// foldAccents removes combining marks after canonical decomposition, so
// "Castañer" and "Castaner" compare equal. ASCII, most of the directory,
// is returned as it is. (A transform.Chain would do the same with buffers
// of several kilobytes per call, which made indexing 17,000 names slow.)
func foldAccents(s string) string {
	if isASCII(s) {
		return s
	}
	d := strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(s))
	return norm.NFC.String(d)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// normalize turns text into search words: cleaned, accents folded, lower
// case, "&" spelled "and", apostrophes dropped ("Mary's" -> "marys"), and
// every other non-letter, non-digit a word break.
func normalize(s string) []string {
	s = strings.ToLower(foldAccents(CleanName(s)))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString(" and ")
		case r == '\'' || r == '’' || r == '`':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

// testWords mark test tenants (HEALOW.md §2).
var testWords = map[string]bool{"test": true, "prodtest": true, "train": true, "sandbox": true}

// IsTestTenant reports whether p looks like a test tenant rather than a
// practice: a name with a word such as "TEST", "Prodtest", "TRAIN" or
// "Sandbox" ("Test Facility", "FHIR R4 Prodtest EMR"). The public sandbox
// is one, on purpose.
func IsTestTenant(p Practice) bool { return hasTestWord(normalize(p.Name)) }

func hasTestWord(words []string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return testWords[w] })
}

// Index is a searchable, immutable set of practices. It is safe for
// concurrent use.
type Index struct {
	entries []indexed
}

// indexed is a practice with its search forms precomputed.
type indexed struct {
	p      Practice
	words  []string // name words
	place  []string // city and state words
	joined string   // name words joined by one space
	hay    string   // every word, for the cheap substring filter
	code   string   // lower-case code
	test   bool
}

// NewIndex builds an index over ps. ps is not retained.
func NewIndex(ps []Practice) *Index {
	ix := &Index{entries: make([]indexed, len(ps))}
	for i, p := range ps {
		w := normalize(p.Name)
		place := normalize(p.City + " " + p.State)
		joined := strings.Join(w, " ")
		ix.entries[i] = indexed{p: p, words: w, place: place, joined: joined,
			hay:  joined + "|" + strings.Join(place, " "),
			code: strings.ToLower(p.Code), test: hasTestWord(w)}
	}
	return ix
}

// Len is the number of practices in the index.
func (ix *Index) Len() int { return len(ix.entries) }

// Match ranks, best first.
const (
	rankExact  = iota // the whole name, or the code
	rankPrefix        // the name starts with the query
	rankWords         // every query word starts some name word
	rankPlace         // some query word starts only a city or state word
)

// maxQueryWords bounds the work one query can ask for.
const maxQueryWords = 12

// SearchOptions tune Index.SearchWith. The zero value returns every match,
// test tenants included.
type SearchOptions struct {
	// Limit is the most practices returned; zero or less means all.
	Limit int
	// HideTest leaves out test and training tenants (see IsTestTenant).
	HideTest bool
}

// Search is SearchWith with only a limit: test tenants are returned,
// ranked after real practices.
func (ix *Index) Search(query string, limit int) []Practice {
	return ix.SearchWith(query, SearchOptions{Limit: limit})
}

// hit is one match of a search.
type hit struct {
	e    *indexed
	rank int
}

// SearchWith returns the practices where every query word starts a word of
// the name, the city or the state, in any order, or whose code equals the
// query. Matching ignores case, spacing, accents and punctuation, and takes
// "&" for "and". Results are ranked: exact name or code, then names
// starting with the query, then names holding every word, then matches
// that needed the city or state; within a rank real practices before test
// tenants, shorter names first, then by name and code. An empty query
// matches nothing.
func (ix *Index) SearchWith(query string, o SearchOptions) []Practice {
	q := normalize(query)
	if len(q) == 0 {
		return nil
	}
	if len(q) > maxQueryWords {
		q = q[:maxQueryWords]
	}
	joined := strings.Join(q, " ")
	code := strings.ToLower(strings.TrimSpace(query))
	var hits []hit
	for i := range ix.entries {
		e := &ix.entries[i]
		if o.HideTest && e.test {
			continue
		}
		if rank, ok := e.match(q, joined, code); ok {
			hits = append(hits, hit{e, rank})
		}
	}
	slices.SortFunc(hits, compareHits)
	if o.Limit > 0 && len(hits) > o.Limit {
		hits = hits[:o.Limit]
	}
	out := make([]Practice, len(hits))
	for i, h := range hits {
		out[i] = h.e.p
	}
	return out
}

// match ranks e against the normalized query words q, their joined form
// and the lower-cased raw query (for the code).
func (e *indexed) match(q []string, joined, code string) (int, bool) {
	if e.joined == joined || e.code == code {
		return rankExact, true
	}
	usedPlace := false
	for _, w := range q {
		if !strings.Contains(e.hay, w) { // cheap filter: most entries fail here
			return 0, false
		}
		switch {
		case startsSome(e.words, w):
		case startsSome(e.place, w):
			usedPlace = true
		default:
			return 0, false
		}
	}
	switch {
	case usedPlace:
		return rankPlace, true
	case strings.HasPrefix(e.joined, joined):
		return rankPrefix, true
	}
	return rankWords, true
}

// compareHits orders hits best first.
func compareHits(a, b hit) int {
	switch {
	case a.rank != b.rank:
		return a.rank - b.rank
	case a.e.test != b.e.test:
		if a.e.test {
			return 1
		}
		return -1
	case len(a.e.joined) != len(b.e.joined):
		return len(a.e.joined) - len(b.e.joined)
	case a.e.p.Name != b.e.p.Name:
		return strings.Compare(a.e.p.Name, b.e.p.Name)
	}
	return strings.Compare(a.e.p.Code, b.e.p.Code)
}

// startsSome reports whether some word starts with prefix.
func startsSome(words []string, prefix string) bool {
	for _, w := range words {
		if strings.HasPrefix(w, prefix) {
			return true
		}
	}
	return false
}

// ByCode returns the practice with this code, compared exactly.
func (ix *Index) ByCode(code string) (Practice, bool) {
	for _, e := range ix.entries {
		if e.p.Code == code {
			return e.p, true
		}
	}
	return Practice{}, false
}

// ByBase returns the practice with this FHIR base, compared exactly.
func (ix *Index) ByBase(base string) (Practice, bool) {
	for _, e := range ix.entries {
		if e.p.Base == base {
			return e.p, true
		}
	}
	return Practice{}, false
}
