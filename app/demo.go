package app

import (
	"context"
	"fmt"

	"chartkeep/backend/simulator"
	"chartkeep/backend/simulator/fhirdata"
)

// The demo practice: an in-process healow simulator with one generated
// patient, so a new user can try Chartkeep with no account and no tunnel.
const (
	demoPractice = "DEMO01"
	demoClientID = "chartkeep-demo"
	demoLogin    = "demo"
	demoPassword = "chartkeep"
)

func (a *App) startDemo(ctx context.Context) error {
	sim, err := simulator.New(simulator.Options{Addr: "127.0.0.1:0", Demo: true, Logger: a.log})
	if err != nil {
		return err
	}
	if err := sim.AddPractice(demoPractice, "Chartkeep Demo Family Practice", "Springfield",
		"IL"); err != nil {
		return err
	}
	if err := sim.AddPatient(demoPractice, fhirdata.DemoPatient(1), demoLogin,
		demoPassword); err != nil {
		return err
	}
	if err := sim.Start(); err != nil {
		return err
	}
	a.sim = sim
	a.opts.AllowHTTPLoopback = true
	return nil
}

// finishDemoSetup registers the demo client once the callback listener has
// its port, and points the settings at the simulator.
func (a *App) finishDemoSetup() {
	// RegisterClient with nil scopes accepts whatever the app asks for;
	// the practice still grants only the scopes it lists.
	public := fmt.Sprintf("http://%s", a.cb.Addr())
	s := Settings{ClientID: demoClientID, PublicURL: public, Demo: true,
		DirectoryURL: a.sim.URL() + "/apps/api/v1/fhir/activated_clinical_endpoints"}
	s = s.withDefaults()
	if err := a.sim.RegisterClient(demoClientID, s.RedirectURI(), nil); err != nil {
		a.log.Error("demo: register client", "err", err)
	}
	a.mu.Lock()
	a.settings = s
	a.mu.Unlock()
}
