package fhirdata

import (
	"math/rand/v2"
	"time"
)

// LargePatient is DemoPatient with the default options, grown to about n
// resources.
func LargePatient(seed int64, n int) *Patient { return Options{}.LargePatient(seed, n) }

// LargePatient generates the demo patient of seed, then adds vital-sign
// panels and laboratory draws (with their DiagnosticReports) at its
// encounters until the data holds at least n resources, for memory and
// speed tests of a sync. The records look like DemoPatient's, about a
// kilobyte each, and the same seed and n give the same data.
func (o Options) LargePatient(seed int64, n int) *Patient {
	d := &demo{
		rng:  rand.New(rand.NewPCG(uint64(seed), 0x6c617267)),
		zone: o.zone(),
		seed: seed,
	}
	d.generate()
	// Draws 0 and 1 reuse ids on purpose (case twins); more start at 2.
	draw := 2
	for k := 0; len(d.out) < n; k++ {
		enc := k % len(d.encounters)
		at := d.encStart(enc).Add(time.Duration(k/len(d.encounters)+1) * 7 * time.Hour)
		d.vitals(enc, at, d.jitter(95, 3), 176)
		d.labDraw(enc, draw, at.Add(20*time.Minute))
		draw++
	}
	p, err := newPatient(d.out, d.zone)
	if err != nil {
		panic("fhirdata: large patient is inconsistent: " + err.Error())
	}
	return p
}
