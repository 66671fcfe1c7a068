package spoolconnector

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foursignals/otelcol-foursignals/extension/spoolstorage"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/xpdata/pref"
)

var storageID = component.MustNewID("spool_storage")

// host offers the storage extension to the connector's queue, as the collector's service does.
type host struct {
	extensions map[component.ID]component.Component
}

func (h host) GetExtensions() map[component.ID]component.Component { return h.extensions }

// startStorage starts spool_storage on dir: a fresh instance on the same dir is what a collector restart sees.
func startStorage(t *testing.T, dir string) host {
	t.Helper()
	f := spoolstorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*spoolstorage.Config)
	cfg.Directory = dir
	ext, err := f.Create(context.Background(), extension.Settings{ID: storageID, TelemetrySettings: componenttest.NewNopTelemetrySettings()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := host{extensions: map[component.ID]component.Component{storageID: ext}}
	if err := ext.Start(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ext.Shutdown(context.Background()) })
	return h
}

// spoolConfig is the connector as otel-collector/config.yaml configures it, read through confmap like the collector.
func spoolConfig(t *testing.T, settings map[string]any) *Config {
	t.Helper()
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := confmap.NewFromStringMap(settings).Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := confmap.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func persistentSpool(t *testing.T) *Config {
	return spoolConfig(t, map[string]any{
		"timeout": "5s",
		"sending_queue": map[string]any{
			"storage": "spool_storage", "queue_size": 1000, "num_consumers": 4, "sizer": "requests",
		},
		"retry_on_failure": map[string]any{"initial_interval": "10ms", "max_interval": "50ms", "max_elapsed_time": "0s"},
	})
}

// pipelineOwned wraps a connector's next consumer as the collector's service does (service/internal/refconsumer,
// v0.161.0): data not yet owned by a pipeline is marked owned, and its reference released once consumed.
type pipelineOwned struct{ next consumer.Metrics }

func (p pipelineOwned) Capabilities() consumer.Capabilities { return p.next.Capabilities() }

func (p pipelineOwned) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	if pref.MarkPipelineOwnedMetrics(md) {
		defer pref.UnrefMetrics(md)
	}
	return p.next.ConsumeMetrics(ctx, md)
}

func startSpool(t *testing.T, cfg *Config, h host, next consumer.Metrics) connector.Metrics {
	t.Helper()
	set := connector.Settings{ID: component.MustNewID("spool"), TelemetrySettings: componenttest.NewNopTelemetrySettings()}
	c, err := NewFactory().CreateMetricsToMetrics(context.Background(), set, cfg, pipelineOwned{next})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	return c
}

// batch is one batch of n gauge points, named so that each batch can be told apart downstream.
func batch(name string, n int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName(name)
	g := m.SetEmptyGauge()
	for i := range n {
		g.DataPoints().AppendEmpty().SetIntValue(int64(i))
	}
	return md
}

// downstream records what the exporting pipeline accepted, failing (retryably) while `failing` is set.
type downstream struct {
	failing atomic.Bool
	calls   atomic.Int64
	mu      sync.Mutex
	points  map[string]int // accepted points per batch name
}

func newDownstream() *downstream { return &downstream{points: map[string]int{}} }

func (d *downstream) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (d *downstream) ConsumeMetrics(_ context.Context, md pmetric.Metrics) error {
	d.calls.Add(1)
	if d.failing.Load() {
		return errors.New("backend unavailable")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := range ms.Len() {
		d.points[ms.At(i).Name()] += ms.At(i).Gauge().DataPoints().Len()
	}
	return nil
}

func (d *downstream) accepted() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]int, len(d.points))
	for k, v := range d.points {
		out[k] = v
	}
	return out
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func names(n int) []string {
	out := make([]string, n)
	for i := range n {
		out[i] = "batch-" + string(rune('A'+i%26)) + string(rune('a'+i/26))
	}
	return out
}

func TestDeliversEveryBatchOnceThroughTheDisk(t *testing.T) {
	h := startStorage(t, t.TempDir())
	d := newDownstream()
	c := startSpool(t, persistentSpool(t), h, d)
	for i, name := range names(50) {
		if err := c.ConsumeMetrics(context.Background(), batch(name, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "50 batches downstream", func() bool { return len(d.accepted()) == 50 })
	if err := c.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, name := range names(50) {
		if got := d.accepted()[name]; got != i+1 {
			t.Errorf("%s: %d points downstream, sent %d", name, got, i+1)
		}
	}
	if calls := d.calls.Load(); calls != 50 {
		t.Errorf("%d hand-overs for 50 batches, none failing", calls)
	}
}

func TestRetriesWhileTheExportingPipelineFails(t *testing.T) {
	h := startStorage(t, t.TempDir())
	d := newDownstream()
	d.failing.Store(true)
	c := startSpool(t, persistentSpool(t), h, d)
	defer func() { _ = c.Shutdown(context.Background()) }()
	for _, name := range names(5) {
		// Accepted: the batch is on disk, whatever the backends do.
		if err := c.ConsumeMetrics(context.Background(), batch(name, 3)); err != nil {
			t.Fatalf("%s refused while a backend is down: %v", name, err)
		}
	}
	waitFor(t, "several failed attempts", func() bool { return d.calls.Load() >= 20 })
	if n := len(d.accepted()); n != 0 {
		t.Fatalf("%d batches accepted while failing", n)
	}
	d.failing.Store(false)
	waitFor(t, "every batch after recovery", func() bool { return len(d.accepted()) == 5 })
	for _, name := range names(5) {
		if got := d.accepted()[name]; got != 3 {
			t.Errorf("%s: %d points downstream, sent 3", name, got)
		}
	}
}

func TestKeepsQueuedBatchesAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	down := newDownstream()
	down.failing.Store(true)
	first := startSpool(t, persistentSpool(t), startStorage(t, dir), down)
	for _, name := range names(10) {
		if err := first.ConsumeMetrics(context.Background(), batch(name, 7)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "attempts against the failing backend", func() bool { return down.calls.Load() >= 10 })
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	// A new collector process on the same directory: the backend is back.
	up := newDownstream()
	second := startSpool(t, persistentSpool(t), startStorage(t, dir), up)
	defer func() { _ = second.Shutdown(context.Background()) }()
	waitFor(t, "the 10 batches queued before the restart", func() bool { return len(up.accepted()) == 10 })
	for _, name := range names(10) {
		if got := up.accepted()[name]; got != 7 {
			t.Errorf("%s: %d points after the restart, sent 7", name, got)
		}
	}
}

func TestDropsABatchTheBackendsRejectForGood(t *testing.T) {
	h := startStorage(t, t.TempDir())
	var calls atomic.Int64
	rejecting := consumerFunc(func(context.Context, pmetric.Metrics) error {
		calls.Add(1)
		return consumererror.NewPermanent(errors.New("400: out of bounds"))
	})
	c := startSpool(t, persistentSpool(t), h, rejecting)
	if err := c.ConsumeMetrics(context.Background(), batch("bad", 1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "one attempt", func() bool { return calls.Load() == 1 })
	time.Sleep(200 * time.Millisecond) // several retry intervals: a permanent error is not retried
	if err := c.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("a permanently rejected batch was tried %d times", n)
	}
}

type consumerFunc func(context.Context, pmetric.Metrics) error

func (f consumerFunc) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (f consumerFunc) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	return f(ctx, md)
}

func TestWithoutAQueueIsASynchronousPassThrough(t *testing.T) {
	cfg := spoolConfig(t, map[string]any{
		"sending_queue": map[string]any{"enabled": false}, "retry_on_failure": map[string]any{"enabled": false},
	})
	d := newDownstream()
	c := startSpool(t, cfg, host{}, d)
	defer func() { _ = c.Shutdown(context.Background()) }()
	if err := c.ConsumeMetrics(context.Background(), batch("through", 2)); err != nil {
		t.Fatal(err)
	}
	// Delivered before ConsumeMetrics returned: nothing is held.
	if got := d.accepted()["through"]; got != 2 {
		t.Fatalf("%d points downstream on return, sent 2", got)
	}
	d.failing.Store(true)
	if err := c.ConsumeMetrics(context.Background(), batch("refused", 2)); err == nil {
		t.Fatal("the next pipeline's error did not reach the caller")
	}
}
