package main

import (
	"context"

	"github.com/dapr/components-contrib/bindings/cron"
	contribmiddleware "github.com/dapr/components-contrib/middleware"
	"github.com/dapr/components-contrib/middleware/http/ratelimit"
	nrkubernetes "github.com/dapr/components-contrib/nameresolution/kubernetes"
	"github.com/dapr/components-contrib/nameresolution/mdns"
	inmemory "github.com/dapr/components-contrib/pubsub/in-memory"
	"github.com/dapr/components-contrib/pubsub/kafka"
	secretkubernetes "github.com/dapr/components-contrib/secretstores/kubernetes"
	secretenv "github.com/dapr/components-contrib/secretstores/local/env"
	secretfile "github.com/dapr/components-contrib/secretstores/local/file"
	bindingsLoader "github.com/dapr/dapr/pkg/components/bindings"
	httpMiddlewareLoader "github.com/dapr/dapr/pkg/components/middleware/http"
	nrLoader "github.com/dapr/dapr/pkg/components/nameresolution"
	pubsubLoader "github.com/dapr/dapr/pkg/components/pubsub"
	secretstoresLoader "github.com/dapr/dapr/pkg/components/secretstores"
	"github.com/dapr/dapr/pkg/middleware"
	"github.com/dapr/kit/logger"
)

// componentList is printed by --build-info.
const componentList = "pubsub.kafka, pubsub.in-memory, bindings.smtp (output; orderflow's, smtp_binding.go), bindings.cron (input), " +
	"nameresolution sqlite (behind a one-second cache, nameresolution_cache.go), mdns and kubernetes, secretstores.local.file, secretstores.local.env, " +
	"secretstores.kubernetes, middleware.http.ratelimit, " +
	"middleware.http.bodylimit (413 problem+json over --max-body-size; orderflow's, body_limit.go)"

// registerComponents registers the only component types orderflow's resources
// use. A resource of any other type fails at sidecar start with
// "couldn't find ... in the registry": add it here (and to componentList above) first.
// maxBodyBytes is daprd's --max-body-size, the limit the bodylimit middleware answers for.
func registerComponents(maxBodyBytes int) {
	pubsubLoader.DefaultRegistry.RegisterComponent(kafka.NewKafka, "kafka")
	pubsubLoader.DefaultRegistry.RegisterComponent(inmemory.New, "in-memory")

	// Not contrib's bindings/smtp: ours reuses its SMTP connections, keeps requests apart, gives every
	// SMTP step a deadline tied to the request and names the step a send failed at (smtp_binding.go).
	bindingsLoader.DefaultRegistry.RegisterOutputBinding(newReusingSMTP, "smtp")
	bindingsLoader.DefaultRegistry.RegisterInputBinding(cron.NewCron, "cron")

	// contrib's sqlite resolver behind a one-second cache (nameresolution_cache.go).
	nrLoader.DefaultRegistry.RegisterComponent(newCachingSQLiteResolver, "sqlite")
	nrLoader.DefaultRegistry.RegisterComponent(mdns.NewResolver, "mdns")
	// On Kubernetes (the chart): daprd's default resolver there, and the secret store it
	// adds by itself, which the chart's secretKeyRefs read (npm run k8s runs them).
	nrLoader.DefaultRegistry.RegisterComponent(nrkubernetes.NewResolver, "kubernetes")

	secretstoresLoader.DefaultRegistry.RegisterComponent(secretfile.NewLocalSecretStore, "local.file")
	secretstoresLoader.DefaultRegistry.RegisterComponent(secretenv.NewEnvSecretStore, "local.env")
	secretstoresLoader.DefaultRegistry.RegisterComponent(secretkubernetes.NewKubernetesSecretStore, "kubernetes")

	httpMiddlewareLoader.DefaultRegistry.RegisterComponent(func(log logger.Logger) httpMiddlewareLoader.FactoryMethod {
		return func(meta contribmiddleware.Metadata) (middleware.HTTP, error) {
			return ratelimit.NewRateLimitMiddleware(log).GetHandler(context.Background(), meta)
		}
	}, "ratelimit")
	// Takes no metadata: its limit is daprd's own, so a body daprd would fail with 500 is a 413 instead.
	httpMiddlewareLoader.DefaultRegistry.RegisterComponent(func(logger.Logger) httpMiddlewareLoader.FactoryMethod {
		return func(contribmiddleware.Metadata) (middleware.HTTP, error) {
			return newBodyLimit(int64(maxBodyBytes)), nil
		}
	}, "bodylimit")
}
