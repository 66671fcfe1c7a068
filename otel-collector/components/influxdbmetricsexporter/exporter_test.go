package influxdbmetricsexporter

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/influxdata/line-protocol/v2/lineprotocol"
	contrib "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/influxdbexporter"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// influx is a fake InfluxDB write endpoint: it records every request and answers with status.
type influx struct {
	*httptest.Server
	mu       sync.Mutex
	bodies   []string
	requests []*http.Request
	status   int
}

func newInflux(t *testing.T) *influx {
	f := &influx{status: http.StatusNoContent}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.bodies = append(f.bodies, string(body))
		f.requests = append(f.requests, r)
		status := f.status
		f.mu.Unlock()
		w.WriteHeader(status)
		if status >= 300 {
			_, _ = w.Write([]byte(`{"error":"refused by the test"}`))
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// lines is every written point in a canonical form: measurement, tags (sorted), fields sorted by key, timestamp.
func (f *influx) lines(t *testing.T) []string {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, body := range f.bodies {
		dec := lineprotocol.NewDecoderWithBytes([]byte(body))
		for dec.Next() {
			m, err := dec.Measurement()
			if err != nil {
				t.Fatal(err)
			}
			line := string(m)
			for {
				k, v, err := dec.NextTag()
				if err != nil {
					t.Fatal(err)
				}
				if k == nil {
					break
				}
				line += fmt.Sprintf(",%s=%s", k, v)
			}
			var fields []string
			for {
				k, v, err := dec.NextField()
				if err != nil {
					t.Fatal(err)
				}
				if k == nil {
					break
				}
				fields = append(fields, fmt.Sprintf("%s=%s:%v", k, v.Kind(), v))
			}
			slices.Sort(fields)
			ts, err := dec.Time(lineprotocol.Nanosecond, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s %s %d", line, strings.Join(fields, ","), ts.UnixNano()))
		}
	}
	slices.Sort(out)
	return out
}

// synchronous: no queue, no retries, so that push errors come back to the test.
var synchronous = map[string]any{
	"v1_compatibility": map[string]any{"enabled": true, "db": "foursignals"},
	"sending_queue":    map[string]any{"enabled": false},
	"retry_on_failure": map[string]any{"enabled": false},
}

func startExporter(t *testing.T, f exporter.Factory, endpoint string, settings ...map[string]any) exporter.Metrics {
	t.Helper()
	cfg := f.CreateDefaultConfig()
	all := map[string]any{"endpoint": endpoint}
	for _, s := range append([]map[string]any{synchronous}, settings...) {
		for k, v := range s {
			all[k] = v
		}
	}
	if err := confmap.NewFromStringMap(all).Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := confmap.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	exp, err := f.CreateMetrics(context.Background(), exportertest.NewNopSettings(f.Type()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exp.Shutdown(context.Background()) })
	return exp
}

var (
	t0 = pcommon.NewTimestampFromTime(time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC))
	t1 = t0 + pcommon.Timestamp(15*time.Second)
)

// everything: each metric type and value kind the schema has, attributes of every kind, keys that override one
// another, characters line protocol must escape, points without a start time, NaN, exemplars with and without trace.
func everything() pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	res := rm.Resource().Attributes()
	res.PutStr("service.name", "mes-api")
	res.PutStr("host.name", "node a,b=c")
	res.PutInt("process.pid", 4242)
	res.PutBool("is.canary", true)
	res.PutStr("empty.value", "")
	res.PutStr("overridden", "by the resource")
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("@opentelemetry/instrumentation-http")
	sm.Scope().SetVersion("0.57.0")
	sm.Scope().Attributes().PutStr("scope.attr", "s")

	g := sm.Metrics().AppendEmpty()
	g.SetName("process.memory.usage")
	g.SetEmptyGauge()
	for i, v := range []float64{1.5, math.NaN(), -0.25} {
		dp := g.Gauge().DataPoints().AppendEmpty()
		dp.SetTimestamp(t1)
		if v != v { // NaN is left out (line protocol has none): the start time is then the line's only field
			dp.SetStartTimestamp(t0)
		}
		dp.SetDoubleValue(v)
		dp.Attributes().PutStr("point", fmt.Sprint(i))
	}
	gi := sm.Metrics().AppendEmpty()
	gi.SetName("queue.depth")
	dp := gi.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetTimestamp(t1)
	dp.SetIntValue(-7)
	dp.Attributes().PutStr("overridden", "by the point")
	dp.Attributes().PutStr("quote\"and space", `back\slash "q" =`)
	dp.Attributes().PutStr("unicode", "Straße ✓")
	dp.Attributes().PutDouble("ratio", 0.5)
	dp.Attributes().PutEmptySlice("list").AppendEmpty().SetStr("x")

	c := sm.Metrics().AppendEmpty()
	c.SetName("http.server.requests")
	c.SetEmptySum().SetIsMonotonic(true)
	c.Sum().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	for i := range 3 {
		dp := c.Sum().DataPoints().AppendEmpty()
		dp.SetStartTimestamp(t0)
		dp.SetTimestamp(t1)
		dp.SetIntValue(int64(100 * i))
		dp.Attributes().PutStr("http.route", fmt.Sprintf("/orders/%d", i))
		dp.Attributes().PutInt("http.response.status_code", 200+int64(i))
		if i == 1 {
			ex := dp.Exemplars().AppendEmpty()
			ex.SetTimestamp(t1)
			ex.SetIntValue(3)
			ex.SetTraceID([16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
			ex.SetSpanID([8]byte{1, 2, 3, 4, 5, 6, 7, 8})
			ex.FilteredAttributes().PutStr("user", "u1")
			untraced := dp.Exemplars().AppendEmpty()
			untraced.SetTimestamp(t1)
			untraced.SetIntValue(4)
		}
	}
	for _, s := range []struct {
		name       string
		monotonic  bool
		temporalty pmetric.AggregationTemporality
	}{
		{"orders.in.progress", false, pmetric.AggregationTemporalityCumulative},
		{"orders.delta", true, pmetric.AggregationTemporalityDelta},
	} {
		m := sm.Metrics().AppendEmpty()
		m.SetName(s.name)
		m.SetEmptySum().SetIsMonotonic(s.monotonic)
		m.Sum().SetAggregationTemporality(s.temporalty)
		dp := m.Sum().DataPoints().AppendEmpty()
		dp.SetStartTimestamp(t0)
		dp.SetTimestamp(t1)
		dp.SetDoubleValue(12.75)
	}

	h := sm.Metrics().AppendEmpty()
	h.SetName("http.server.request.duration")
	h.SetEmptyHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	hp := h.Histogram().DataPoints().AppendEmpty()
	hp.SetStartTimestamp(t0)
	hp.SetTimestamp(t1)
	hp.SetCount(10)
	hp.SetSum(2.5)
	hp.SetMin(0.001)
	hp.SetMax(1.2)
	hp.ExplicitBounds().FromRaw([]float64{0.005, 0.1, 1})
	hp.BucketCounts().FromRaw([]uint64{1, 5, 3, 1})
	hp.Attributes().PutStr("http.route", "/orders")
	hp2 := h.Histogram().DataPoints().AppendEmpty() // no sum/min/max, no +Inf bucket
	hp2.SetTimestamp(t1)
	hp2.SetCount(2)
	hp2.ExplicitBounds().FromRaw([]float64{0.5, 2})
	hp2.BucketCounts().FromRaw([]uint64{1, 1})

	sum := sm.Metrics().AppendEmpty()
	sum.SetName("gc.pause")
	sp := sum.SetEmptySummary().DataPoints().AppendEmpty()
	sp.SetTimestamp(t1)
	sp.SetCount(4)
	sp.SetSum(0.04)
	for _, q := range []float64{0.5, 0.99} {
		qv := sp.QuantileValues().AppendEmpty()
		qv.SetQuantile(q)
		qv.SetValue(q / 10)
	}

	// A second resource without scope name: its own tags only.
	rm2 := md.ResourceMetrics().AppendEmpty()
	rm2.Resource().Attributes().PutStr("service.name", "mes-worker")
	m := rm2.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("mes.orders.waiting")
	d := m.SetEmptyGauge().DataPoints().AppendEmpty()
	d.SetTimestamp(t1)
	d.SetIntValue(3)
	return md
}

// The same data written by contrib's influxdb exporter (v0.161.0, the reference) and by ours: the same points.
func TestWritesWhatContribsExporterWrites(t *testing.T) {
	theirs, ours := newInflux(t), newInflux(t)
	if err := startExporter(t, contrib.NewFactory(), theirs.URL).ConsumeMetrics(context.Background(), everything()); err != nil {
		t.Fatal(err)
	}
	if err := startExporter(t, NewFactory(), ours.URL).ConsumeMetrics(context.Background(), everything()); err != nil {
		t.Fatal(err)
	}
	want, got := theirs.lines(t), ours.lines(t)
	if len(want) != 14 {
		t.Fatalf("the reference wrote only %d lines: %v", len(want), want)
	}
	if !slices.Equal(want, got) {
		t.Fatalf("lines differ\ncontrib:\n%s\nours:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	if theirs.requests[0].URL.RawQuery != ours.requests[0].URL.RawQuery || theirs.requests[0].URL.Path != ours.requests[0].URL.Path {
		t.Fatalf("write URL: contrib %s, ours %s", theirs.requests[0].URL, ours.requests[0].URL)
	}
}

// Many points, as the spool hands them over: split into payloads by payload_max_lines, the same points as contrib.
func TestSplitsLargeBatchesLikeContrib(t *testing.T) {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "bench")
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	for i := range 50 {
		m := ms.AppendEmpty()
		m.SetName(fmt.Sprintf("bench.requests.%d", i))
		m.SetEmptySum().SetIsMonotonic(true)
		m.Sum().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		for j := range 100 {
			dp := m.Sum().DataPoints().AppendEmpty()
			dp.SetStartTimestamp(t0)
			dp.SetTimestamp(t1)
			dp.SetIntValue(int64(j))
			dp.Attributes().PutStr("series", fmt.Sprint(j))
		}
	}
	theirs, ours := newInflux(t), newInflux(t)
	limit := map[string]any{"payload_max_lines": 1000}
	if err := startExporter(t, contrib.NewFactory(), theirs.URL, limit).ConsumeMetrics(context.Background(), md); err != nil {
		t.Fatal(err)
	}
	if err := startExporter(t, NewFactory(), ours.URL, limit).ConsumeMetrics(context.Background(), md); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(theirs.lines(t), ours.lines(t)) || len(ours.lines(t)) != 5000 {
		t.Fatalf("contrib wrote %d lines, ours %d (or different ones)", len(theirs.lines(t)), len(ours.lines(t)))
	}
	if len(ours.bodies) != 5 {
		t.Fatalf("%d requests for 5,000 lines at 1,000 per request", len(ours.bodies))
	}
}

// A point that cannot be written costs only itself: the others are written, and a permanent error names it.
func TestSkipsOnlyTheBadPoints(t *testing.T) {
	md := everything()
	sm := md.ResourceMetrics().At(0).ScopeMetrics().At(0)
	bad := sm.Metrics().AppendEmpty()
	bad.SetName("no.timestamp")
	bad.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
	exp := sm.Metrics().AppendEmpty()
	exp.SetName("exponential")
	ep := exp.SetEmptyExponentialHistogram().DataPoints().AppendEmpty()
	ep.SetTimestamp(t1)

	reference, ours := newInflux(t), newInflux(t)
	if err := startExporter(t, NewFactory(), reference.URL).ConsumeMetrics(context.Background(), everything()); err != nil {
		t.Fatal(err)
	}
	err := startExporter(t, NewFactory(), ours.URL).ConsumeMetrics(context.Background(), md)
	if !consumererror.IsPermanent(err) || !strings.Contains(err.Error(), `2 data point(s) not written to InfluxDB, the first: metric "no.timestamp": a data point has no timestamp`) {
		t.Fatalf("got %v", err)
	}
	if !slices.Equal(reference.lines(t), ours.lines(t)) {
		t.Fatal("the good points were not all written")
	}
}

func TestAnswersRetryableOrPermanentByStatus(t *testing.T) {
	for status, permanent := range map[int]bool{500: false, 503: false, 429: false, 400: true, 401: true, 404: true} {
		f := newInflux(t)
		f.status = status
		err := startExporter(t, NewFactory(), f.URL).ConsumeMetrics(context.Background(), everything())
		if err == nil || consumererror.IsPermanent(err) != permanent || !strings.Contains(err.Error(), "refused by the test") {
			t.Errorf("HTTP %d: got %v, want permanent=%v with InfluxDB's message", status, err, permanent)
		}
	}
	// Nothing listening: retryable.
	closed := newInflux(t)
	closed.Close()
	if err := startExporter(t, NewFactory(), closed.URL).ConsumeMetrics(context.Background(), everything()); err == nil || consumererror.IsPermanent(err) {
		t.Errorf("connection refused: got %v, want a retryable error", err)
	}
}

func TestWritesToTheV1AndV2APIsWithTheirCredentials(t *testing.T) {
	v1 := newInflux(t)
	startExporter(t, NewFactory(), v1.URL, map[string]any{"v1_compatibility": map[string]any{
		"enabled": true, "db": "shop", "username": "writer", "password": "s3cret",
	}}).ConsumeMetrics(context.Background(), everything())
	r := v1.requests[0]
	if r.URL.Path != "/write" || r.URL.Query().Get("db") != "shop" || r.URL.Query().Get("precision") != "ns" {
		t.Errorf("v1 URL %s", r.URL)
	}
	if u, p, ok := r.BasicAuth(); !ok || u != "writer" || p != "s3cret" {
		t.Errorf("v1 credentials %q %q %v", u, p, ok)
	}
	v2 := newInflux(t)
	startExporter(t, NewFactory(), v2.URL, map[string]any{
		"v1_compatibility": map[string]any{"enabled": false}, "org": "acme", "bucket": "plant", "token": "t0ken",
	}).ConsumeMetrics(context.Background(), everything())
	r = v2.requests[0]
	if r.URL.Path != "/api/v2/write" || r.URL.Query().Get("org") != "acme" || r.URL.Query().Get("bucket") != "plant" {
		t.Errorf("v2 URL %s", r.URL)
	}
	if got := r.Header.Get("Authorization"); got != "Token t0ken" {
		t.Errorf("v2 Authorization %q", got)
	}
}

func TestReportsEveryConfigurationErrorAtOnce(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := confmap.NewFromStringMap(map[string]any{
		"metrics_schema": "otel-v1", "payload_max_lines": 0,
	}).Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	err := cfg.Validate()
	for _, want := range []string{"endpoint must be set", `metrics_schema "otel-v1" is not supported`, "org and bucket must be set", "payload_max_lines must be positive"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}
