package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dapr/components-contrib/nameresolution"
)

// countingResolver answers from a table and counts the lookups that reach it.
type countingResolver struct {
	addresses map[string]string
	lookups   int
}

func (c *countingResolver) Init(context.Context, nameresolution.Metadata) error { return nil }
func (c *countingResolver) Close() error                                        { return nil }
func (c *countingResolver) ResolveID(_ context.Context, req nameresolution.ResolveRequest) (string, error) {
	c.lookups++
	if address, ok := c.addresses[req.ID]; ok {
		return address, nil
	}
	return "", errors.New("no host")
}

func TestAnAddressIsLookedUpOncePerSecondAndAppID(t *testing.T) {
	inner := &countingResolver{addresses: map[string]string{"payment-service": "127.0.0.1:3602", "order-service": "127.0.0.1:3601"}}
	resolver := newCachingResolver(inner)
	clock := time.Unix(1_800_000_000, 0)
	resolver.now = func() time.Time { return clock }
	ctx := context.Background()
	payment := nameresolution.ResolveRequest{ID: "payment-service", Namespace: "default"}

	for range 3 {
		address, err := resolver.ResolveID(ctx, payment)
		if err != nil || address != "127.0.0.1:3602" {
			t.Fatalf("got %q, %v", address, err)
		}
	}
	if inner.lookups != 1 {
		t.Fatalf("three resolutions within a second made %d lookups, want 1", inner.lookups)
	}
	if address, _ := resolver.ResolveID(ctx, nameresolution.ResolveRequest{ID: "order-service", Namespace: "default"}); address != "127.0.0.1:3601" {
		t.Fatalf("another app id answered %q: the cache must be per app id", address)
	}
	clock = clock.Add(resolvedAddressTTL)
	if _, err := resolver.ResolveID(ctx, payment); err != nil {
		t.Fatal(err)
	}
	if inner.lookups != 3 {
		t.Fatalf("after a second the address must be looked up again: %d lookups, want 3", inner.lookups)
	}
}

func TestAFailedLookupIsNotRemembered(t *testing.T) {
	inner := &countingResolver{addresses: map[string]string{}}
	resolver := newCachingResolver(inner)
	ctx := context.Background()
	request := nameresolution.ResolveRequest{ID: "payment-service", Namespace: "default"}
	if _, err := resolver.ResolveID(ctx, request); err == nil {
		t.Fatal("an unknown app id resolved")
	}
	inner.addresses["payment-service"] = "127.0.0.1:3602"
	if address, err := resolver.ResolveID(ctx, request); err != nil || address != "127.0.0.1:3602" {
		t.Fatalf("a host that registered after a failed lookup is found at once: got %q, %v", address, err)
	}
}
