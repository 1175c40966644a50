//go:build shareddata

package sync

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"chartkeep/backend/simulator"
)

// These tests read the real public data in ../shared (Synthea bundles):
// they check things only real-shaped records have. The Makefile builds
// them in when that folder is there, and always under CI, which has it.

// TestDecodeSynthea checks decode against encoding/json on every resource
// of the Synthea bundles.
func TestDecodeSynthea(t *testing.T) {
	files := syntheaFiles(t)
	n := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var bundle struct {
			Entry []struct{ Resource json.RawMessage }
		}
		if err := json.Unmarshal(b, &bundle); err != nil {
			t.Fatal(err)
		}
		for _, e := range bundle.Entry {
			got, ok := decode(e.Resource)
			want, _ := stdDecode(e.Resource)
			if !ok || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: a resource decodes differently", filepath.Base(file))
			}
			n++
		}
	}
	if n < 1000 {
		t.Errorf("compared %d resources only", n)
	}
}

// TestExtractSyntheaBundles runs Extract over real-shaped records: every
// resource of a type that always carries a date and a name in Synthea must
// get a sort time and a display.
func TestExtractSyntheaBundles(t *testing.T) {
	files := syntheaFiles(t)
	dated := map[string]bool{"Observation": true, "Encounter": true, "Condition": true,
		"Procedure": true, "Immunization": true, "MedicationRequest": true,
		"DiagnosticReport": true, "Patient": true}
	seen := map[string]int{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var bundle struct {
			Entry []struct{ Resource json.RawMessage }
		}
		if err := json.Unmarshal(b, &bundle); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, e := range bundle.Entry {
			var head struct{ ResourceType, ID string }
			json.Unmarshal(e.Resource, &head)
			if !dated[head.ResourceType] {
				continue
			}
			seen[head.ResourceType]++
			f := ExtractFields(head.ResourceType, e.Resource)
			// A medicationReference without a display names nothing until the
			// Medication is read.
			named := f.Display != "" || (head.ResourceType == "MedicationRequest" &&
				!strings.Contains(string(e.Resource), "medicationCodeableConcept"))
			if f.SortTime == nil || !named {
				t.Errorf("%s %s/%s: date %q sort %v display %q", filepath.Base(file),
					head.ResourceType, head.ID, f.Date, f.SortTime, f.Display)
			}
		}
	}
	for typ := range dated {
		if seen[typ] == 0 {
			t.Errorf("no %s in the bundles: the check is empty", typ)
		}
	}
}

// TestSyncInlineAttachments: Synthea keeps clinical notes inline, as
// attachment data; they are stored decoded, UTF-8 kept as it is.
func TestSyncInlineAttachments(t *testing.T) {
	pt := syntheaPatient(t, "Beatris270")
	e := newSimEnv(t, pt, simulator.Options{})
	st := openStore(t)
	s := e.syncer(t, st, e.token(t))
	s.Attachments = false // inline data needs no Binary read
	if res, err := s.Run(context.Background()); err != nil || res.Partial {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	docs := pt.Served()["DocumentReference"]
	if len(docs) == 0 {
		t.Fatal("the bundle has no DocumentReference")
	}
	for _, id := range docs {
		raw, _ := pt.Read("DocumentReference", id)
		var doc struct {
			Content []struct {
				Attachment struct{ Data string } `json:"attachment"`
			} `json:"content"`
		}
		decodeJSON(t, raw, &doc)
		want, _ := base64.StdEncoding.DecodeString(doc.Content[0].Attachment.Data)
		a, err := st.GetAttachment(context.Background(), "conn1", "DocumentReference", id, 0)
		if err != nil || !bytes.Equal(a.Bytes, want) || len(want) == 0 {
			t.Fatalf("DocumentReference/%s: attachment %v, %d bytes, want %d", id, err,
				len(a.Bytes), len(want))
		}
	}
}
