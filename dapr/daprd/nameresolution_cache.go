package main

// The SQLite name resolver (components-contrib nameresolution/sqlite v1.18.4)
// runs one SQL query per service invocation, and modernc's SQLite parses that
// query afresh each time: `npm run bench` profiled a fifth of order-service's
// sidecar CPU in it under load (go tool pprof on --enable-profiling). This
// wrapper remembers each answer for one second. SQLite itself keeps answering
// with a host for up to updateInterval (5 s) after the host stopped
// refreshing its row, so the cache adds at most a second to how long a
// stopped sidecar's address is handed out. A failed lookup is not cached.

import (
	"context"
	"sync"
	"time"

	"github.com/dapr/components-contrib/nameresolution"
	nrsqlite "github.com/dapr/components-contrib/nameresolution/sqlite"
	"github.com/dapr/kit/logger"
)

const resolvedAddressTTL = time.Second

type resolvedAddress struct {
	address string
	expires time.Time
}

type cachingResolver struct {
	nameresolution.Resolver

	mu    sync.Mutex
	cache map[string]resolvedAddress
	now   func() time.Time
}

func newCachingSQLiteResolver(log logger.Logger) nameresolution.Resolver {
	return newCachingResolver(nrsqlite.NewResolver(log))
}

func newCachingResolver(inner nameresolution.Resolver) *cachingResolver {
	return &cachingResolver{Resolver: inner, cache: map[string]resolvedAddress{}, now: time.Now}
}

func (r *cachingResolver) ResolveID(ctx context.Context, req nameresolution.ResolveRequest) (string, error) {
	key := req.CacheKey()
	r.mu.Lock()
	hit, ok := r.cache[key]
	r.mu.Unlock()
	if ok && r.now().Before(hit.expires) {
		return hit.address, nil
	}
	address, err := r.Resolver.ResolveID(ctx, req)
	if err != nil {
		r.mu.Lock()
		delete(r.cache, key)
		r.mu.Unlock()
		return "", err
	}
	r.mu.Lock()
	r.cache[key] = resolvedAddress{address: address, expires: r.now().Add(resolvedAddressTTL)}
	r.mu.Unlock()
	return address, nil
}
