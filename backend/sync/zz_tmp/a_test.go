package zz

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"chartkeep/backend/simulator/fhirdata"
	ksync "chartkeep/backend/sync"
)

var refRE = regexp.MustCompile(`"reference":"(Practitioner|Organization|Location|Medication)/([^"]+)"`)

func TestStats(t *testing.T) {
	files, _ := filepath.Glob("/work/shared/fhir-data/synthea/*.json")
	for _, f := range files {
		fh, _ := os.Open(f)
		p, err := fhirdata.LoadTransactionBundle(fh)
		fh.Close()
		if err != nil { t.Fatal(err) }
		for _, ps := range []int{50, 100} {
			R, D := 1, 1
			refs := map[string]int{}
			total := 0
			for _, q := range ksync.Plan(p.ID()) {
				if q.ID != "" { continue }
				qq := url.Values{}
				for k, v := range q.Query { if k != "_count" { qq[k] = v } }
				res, err := p.Search(q.Type, qq)
				if err != nil { t.Fatal(err) }
				total += len(res)
				pages := (len(res) + ps - 1) / ps
				if pages == 0 { pages = 1 }
				R += pages
				if pages > D { D = pages }
				for i, r := range res {
					pg := i/ps + 1
					for _, m := range refRE.FindAllStringSubmatch(string(r), -1) {
						k := m[1] + "/" + m[2]
						if d, ok := refs[k]; !ok || pg+1 < d { refs[k] = pg + 1 }
					}
				}
			}
			// nested
			for k, d := range refs {
				var typ, id string
				fmt.Sscanf(k, "%s", &typ)
				_ = id
				_ = d
			}
			nr := 0; md := 0
			for k, d := range refs {
				var tp, id string
				for i := range k { if k[i] == '/' { tp, id = k[:i], k[i+1:]; break } }
				raw, ok := p.Read(tp, id)
				if !ok { continue }
				nr++
				if d > md { md = d }
				var x any; json.Unmarshal(raw, &x)
			}
			fmt.Printf("%s ps=%d resources=%d searchReqs=%d maxPages=%d refs=%d(existing %d) maxRefDepth=%d counts=%v\n", filepath.Base(f)[:12], ps, total, R, D, len(refs), nr, md, p.Counts())
		}
	}
}
