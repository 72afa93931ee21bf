// Command daprd is the Dapr sidecar runtime from github.com/dapr/dapr (see
// go.mod for the pinned version), built with only the components orderflow
// uses instead of Dapr's ~150. It does what Dapr's cmd/daprd/app does: parse
// the standard daprd flags, build the runtime, run it until SIGTERM/SIGINT,
// and rebuild it on SIGHUP. Keep the binary named "daprd": the Dapr CLI finds
// and stops sidecars by that process name.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"

	"go.opencensus.io/stats/view"
	"go.uber.org/automaxprocs/maxprocs"

	"github.com/dapr/dapr/cmd/daprd/options"
	"github.com/dapr/dapr/pkg/buildinfo"
	bindingsLoader "github.com/dapr/dapr/pkg/components/bindings"
	httpMiddlewareLoader "github.com/dapr/dapr/pkg/components/middleware/http"
	nrLoader "github.com/dapr/dapr/pkg/components/nameresolution"
	pubsubLoader "github.com/dapr/dapr/pkg/components/pubsub"
	secretstoresLoader "github.com/dapr/dapr/pkg/components/secretstores"
	"github.com/dapr/dapr/pkg/healthz"
	"github.com/dapr/dapr/pkg/metrics"
	"github.com/dapr/dapr/pkg/modes"
	"github.com/dapr/dapr/pkg/runtime"
	"github.com/dapr/dapr/pkg/runtime/registry"
	"github.com/dapr/dapr/pkg/security"
	"github.com/dapr/kit/concurrency"
	"github.com/dapr/kit/logger"
	"github.com/dapr/kit/signals"
)

var (
	log        = logger.NewLogger("dapr.runtime")
	logContrib = logger.NewLogger("dapr.contrib")
)

func main() {
	_, _ = maxprocs.Set()

	opts, err := options.New(os.Args[1:])
	if err != nil {
		log.Fatalf("Failed to parse flags: %v", err)
	}

	if opts.RuntimeVersion {
		//nolint:forbidigo
		fmt.Println(buildinfo.Version())
		os.Exit(0)
	}
	if opts.BuildInfo {
		//nolint:forbidigo
		fmt.Printf("Version: %s\nGit Commit: %s\nGit Version: %s\nModules: %s\nComponents: %s\n",
			buildinfo.Version(), buildinfo.Commit(), buildinfo.GitVersion(), moduleVersions(), componentList)
		os.Exit(0)
	}
	if opts.WaitCommand {
		runtime.WaitUntilDaprOutboundReady(opts.DaprHTTPPort)
		os.Exit(0)
	}

	opts.Logger.SetAppID(opts.AppID)
	if err := logger.ApplyOptionsToLoggers(&opts.Logger); err != nil {
		log.Fatal(err)
	}
	log.Infof("Starting Dapr Runtime -- version %s -- commit %s -- %s (orderflow slim build)", buildinfo.Version(), buildinfo.Commit(), moduleVersions())
	log.Infof("Log level set to: %s", opts.Logger.OutputLevel)

	registerComponents(opts.MaxRequestSize)
	secretstoresLoader.DefaultRegistry.Logger = logContrib
	pubsubLoader.DefaultRegistry.Logger = logContrib
	nrLoader.DefaultRegistry.Logger = logContrib
	bindingsLoader.DefaultRegistry.Logger = logContrib
	httpMiddlewareLoader.DefaultRegistry.Logger = log // as upstream: middleware logs as the runtime

	ctx := signals.Context()
	hupCh := signals.OnHUP(ctx)

	defer log.Info("Daprd shutdown gracefully")
	for {
		select {
		case <-ctx.Done():
			return
		case hctx, ok := <-hupCh:
			if !ok {
				return
			}
			if err := runRuntime(hctx, opts); err != nil {
				log.Fatalf("Fatal error from runtime: %s", err)
			}
			// The runtime stopped without a signal (e.g. the shutdown API): exit.
			if hctx.Err() == nil {
				return
			}
		}
	}
}

// runRuntime builds one runtime instance from the parsed flags and runs it
// until ctx ends. The registry holds the default loaders, which only contain
// what registerComponents added.
func runRuntime(ctx context.Context, opts *options.Options) error {
	health := healthz.New()
	secProvider, err := security.New(ctx, security.Options{
		SentryAddress:           opts.SentryAddress,
		ControlPlaneTrustDomain: opts.ControlPlaneTrustDomain,
		ControlPlaneNamespace:   opts.ControlPlaneNamespace,
		TrustAnchors:            opts.TrustAnchors,
		AppID:                   opts.AppID,
		MTLSEnabled:             opts.EnableMTLS,
		Mode:                    modes.DaprMode(opts.Mode),
		Healthz:                 health,
		JwtAudiences:            opts.SentryRequestJwtAudiences,
	})
	if err != nil {
		return err
	}

	return concurrency.NewRunnerManager(
		secProvider.Run,
		func(ctx context.Context) error {
			sec, err := secProvider.Handler(ctx)
			if err != nil {
				return err
			}
			rt, err := runtime.FromConfig(ctx, &runtime.Config{
				AppID:                         opts.AppID,
				ActorsService:                 opts.ActorsService,
				ActorsDisseminationTimeout:    opts.ActorsDisseminationTimeout,
				HotReloadReconcileInterval:    opts.HotReloadReconcileInterval,
				RemindersService:              opts.RemindersService,
				SchedulerAddress:              opts.SchedulerAddress,
				SchedulerStreams:              opts.SchedulerJobStreams,
				AllowedOrigins:                opts.AllowedOrigins,
				ResourcesPath:                 opts.ResourcesPath,
				ControlPlaneAddress:           opts.ControlPlaneAddress,
				AppProtocol:                   opts.AppProtocol,
				Mode:                          opts.Mode,
				DaprHTTPPort:                  opts.DaprHTTPPort,
				DaprInternalGRPCPort:          opts.DaprInternalGRPCPort,
				DaprInternalGRPCListenAddress: opts.DaprInternalGRPCListenAddress,
				DaprAPIGRPCPort:               opts.DaprAPIGRPCPort,
				DaprAPIListenAddresses:        opts.DaprAPIListenAddresses,
				DaprPublicPort:                opts.DaprPublicPort,
				DaprPublicListenAddress:       opts.DaprPublicListenAddress,
				ApplicationPort:               opts.AppPort,
				ProfilePort:                   opts.ProfilePort,
				EnableProfiling:               opts.EnableProfiling,
				AppMaxConcurrency:             opts.AppMaxConcurrency,
				EnableMTLS:                    opts.EnableMTLS,
				SentryAddress:                 opts.SentryAddress,
				MaxRequestSize:                opts.MaxRequestSize,
				ReadBufferSize:                opts.ReadBufferSize,
				UnixDomainSocket:              opts.UnixDomainSocket,
				DaprGracefulShutdownSeconds:   opts.DaprGracefulShutdownSeconds,
				DaprBlockShutdownDuration:     opts.DaprBlockShutdownDuration,
				DisableBuiltinK8sSecretStore:  opts.DisableBuiltinK8sSecretStore,
				EnableAppHealthCheck:          opts.EnableAppHealthCheck,
				AppHealthCheckPath:            opts.AppHealthCheckPath,
				AppHealthProbeInterval:        opts.AppHealthProbeInterval,
				AppHealthProbeTimeout:         opts.AppHealthProbeTimeout,
				AppHealthThreshold:            opts.AppHealthThreshold,
				AppChannelAddress:             opts.AppChannelAddress,
				EnableAPILogging:              opts.EnableAPILogging,
				Config:                        opts.Config,
				DisableInitEndpoints:          opts.DisableInitEndpoints,
				Metrics: metrics.Options{
					Enabled:       opts.Metrics.Enabled(),
					Log:           log,
					Port:          opts.Metrics.Port(),
					Namespace:     metrics.DefaultMetricNamespace,
					Healthz:       health,
					ListenAddress: opts.Metrics.ListenAddress(),
					Meter:         view.NewMeter(),
				},
				AppSSL:         opts.AppSSL,
				ComponentsPath: opts.ComponentsPath,
				Registry:       registry.NewOptions(),
				Security:       sec,
				Healthz:        health,
			})
			if err != nil {
				return err
			}
			return rt.Run(ctx)
		},
	).Run(ctx)
}

// moduleVersions names the Dapr modules compiled in, read from the binary's
// own build information, so the output is right whatever the ldflags said.
func moduleVersions() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	out := ""
	for _, dep := range info.Deps {
		switch dep.Path {
		case "github.com/dapr/dapr", "github.com/dapr/components-contrib", "github.com/dapr/kit":
			if out != "" {
				out += ", "
			}
			out += dep.Path + " " + dep.Version
		}
	}
	return out + " (" + info.GoVersion + ")"
}
