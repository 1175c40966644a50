package directory

import (
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
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
	s = escapedPunct.ReplaceAllString(s, "$1")
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
// "Castañer" and "Castaner" compare equal. A chain keeps state, so each call
// builds its own.
func foldAccents(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	if folded, _, err := transform.String(t, s); err == nil {
		return folded
	}
	return s
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
func IsTestTenant(p Practice) bool {
	return slices.ContainsFunc(normalize(p.Name), func(w string) bool { return testWords[w] })
}

// Index is a searchable, immutable set of practices. It is safe for
// concurrent use.
type Index struct {
	entries []indexed
}

// indexed is a practice with its search forms precomputed.
type indexed struct {
	p      Practice
	words  []string
	joined string // words joined by one space
	code   string // lower-case code
	test   bool
}

// NewIndex builds an index over ps. ps is not retained.
func NewIndex(ps []Practice) *Index {
	ix := &Index{entries: make([]indexed, len(ps))}
	for i, p := range ps {
		w := normalize(p.Name)
		ix.entries[i] = indexed{p: p, words: w, joined: strings.Join(w, " "),
			code: strings.ToLower(p.Code), test: IsTestTenant(p)}
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
)

// maxQueryWords bounds the work one query can ask for.
const maxQueryWords = 12

// Search returns at most limit practices (all when limit <= 0) whose name
// has, for every query word, a word starting with it, in any order, or
// whose code equals the query. Matching ignores case, spacing, accents and
// punctuation, and takes "&" for "and". Results are ranked: exact name or
// code, then names starting with the query, then the rest; within a rank
// real practices before test tenants, shorter names first, then by name
// and code. An empty query matches nothing.
func (ix *Index) Search(query string, limit int) []Practice {
	q := normalize(query)
	if len(q) == 0 {
		return nil
	}
	if len(q) > maxQueryWords {
		q = q[:maxQueryWords]
	}
	joined := strings.Join(q, " ")
	code := strings.ToLower(strings.TrimSpace(query))
	type hit struct {
		e    *indexed
		rank int
	}
	var hits []hit
	for i := range ix.entries {
		e := &ix.entries[i]
		switch {
		case e.joined == joined || e.code == code:
			hits = append(hits, hit{e, rankExact})
		case !allPrefix(q, e.words, e.joined):
		case strings.HasPrefix(e.joined, joined):
			hits = append(hits, hit{e, rankPrefix})
		default:
			hits = append(hits, hit{e, rankWords})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
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
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]Practice, len(hits))
	for i, h := range hits {
		out[i] = h.e.p
	}
	return out
}

// allPrefix reports whether every query word starts some name word.
func allPrefix(query, words []string, joined string) bool {
	for _, q := range query {
		if !strings.Contains(joined, q) { // cheap filter: most names fail here
			return false
		}
		if !slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, q) }) {
			return false
		}
	}
	return true
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
