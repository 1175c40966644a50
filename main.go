// Command chartkeep is the Chartkeep desktop app. main only wires options;
// the work starts in the app's OnStartup, because Wails runs main() to
// generate the frontend bindings.
package main

import (
	"embed"
	"flag"
	"log"
	"os"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/logger"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"chartkeep/app"
)

//go:embed all:frontend/dist
var assets embed.FS

func main() {
	demo := flag.Bool("demo", os.Getenv("CHARTKEEP_DEMO") == "1",
		"run on the built-in demo practice (also CHARTKEEP_DEMO=1)")
	flag.Parse()

	h := app.NewHost(app.Options{Demo: *demo, LogToFile: true})
	title := "Chartkeep"
	if *demo {
		title = "Chartkeep — demo practice"
	}
	// Starting Chartkeep again brings the running window to the front.
	lock := &options.SingleInstanceLock{UniqueId: instanceID(*demo),
		OnSecondInstanceLaunch: h.SecondInstance}
	err := wails.Run(&options.App{
		Title:              title,
		Width:              1200,
		Height:             800,
		MinWidth:           960,
		MinHeight:          640,
		AssetServer:        &assetserver.Options{Assets: assets},
		BackgroundColour:   &options.RGBA{R: 247, G: 248, B: 250, A: 1},
		OnStartup:          h.Startup,
		OnShutdown:         h.Shutdown,
		Bind:               []any{h.App()},
		ErrorFormatter:     app.FormatError,
		Logger:             app.WailsLogger{Log: h.Logger},
		LogLevelProduction: logger.WARNING,
		SingleInstanceLock: lock,
		Linux:              &linux.Options{ProgramName: "chartkeep"},
	})
	if err != nil {
		log.Fatal(err)
	}
}

func instanceID(demo bool) string {
	if demo {
		return "org.chartkeep.app.demo"
	}
	return "org.chartkeep.app"
}
