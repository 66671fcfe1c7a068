package influxdbmetricsexporter

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/influxdata/line-protocol/v2/lineprotocol"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"
)

type writer struct {
	clientConfig    confighttp.ClientConfig
	telemetry       component.TelemetrySettings
	logger          *zap.Logger
	writeURL        string
	payloadMaxLines int
	payloadMaxBytes int

	client   *http.Client
	encoders sync.Pool // *lineEncoder, one per concurrent push
}

func newWriter(c *Config, set exporter.Settings) (*writer, error) {
	clientConfig := c.ClientConfig
	// A copy of the headers: the user's configuration is not changed.
	clientConfig.Headers = append(configopaque.MapList(nil), c.ClientConfig.Headers...)
	writeURL, err := composeWriteURL(c, &clientConfig.Headers)
	if err != nil {
		return nil, err
	}
	w := &writer{
		clientConfig:    clientConfig,
		telemetry:       set.TelemetrySettings,
		logger:          set.Logger,
		writeURL:        writeURL,
		payloadMaxLines: c.PayloadMaxLines,
		payloadMaxBytes: c.PayloadMaxBytes,
	}
	w.encoders.New = func() any { return newLineEncoder() }
	return w, nil
}

// composeWriteURL builds the write URL as contrib's exporter does: /write (v1) or /api/v2/write unless the endpoint
// has a path of its own; authentication as a header.
func composeWriteURL(c *Config, headers *configopaque.MapList) (string, error) {
	u, err := url.Parse(c.ClientConfig.Endpoint)
	if err != nil {
		return "", fmt.Errorf("endpoint %q: %w", c.ClientConfig.Endpoint, err)
	}
	if u.Path == "" || u.Path == "/" {
		path := "api/v2/write"
		if c.V1Compatibility.Enabled {
			path = "write"
		}
		if u, err = u.Parse(path); err != nil {
			return "", err
		}
	}
	q := u.Query()
	q.Set("precision", "ns")
	if c.V1Compatibility.Enabled {
		q.Set("db", c.V1Compatibility.DB)
		if c.V1Compatibility.Username != "" && c.V1Compatibility.Password != "" {
			basic := base64.StdEncoding.EncodeToString([]byte(c.V1Compatibility.Username + ":" + string(c.V1Compatibility.Password)))
			headers.Set("Authorization", configopaque.String("Basic "+basic))
		}
	} else {
		q.Set("org", c.Org)
		q.Set("bucket", c.Bucket)
		if c.Token != "" {
			headers.Set("Authorization", "Token "+c.Token)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (w *writer) start(ctx context.Context, host component.Host) error {
	client, err := w.clientConfig.ToClient(ctx, host.GetExtensions(), w.telemetry)
	if err != nil {
		return err
	}
	w.client = client
	return nil
}

// pushMetrics writes the batch, in requests of at most payload_max_lines / payload_max_bytes. Points that cannot be
// written (no timestamp, an invalid name, a malformed histogram) are skipped and named in a permanent error once the
// others are written: contrib's exporter refuses the whole batch for one of them.
func (w *writer) pushMetrics(ctx context.Context, md pmetric.Metrics) error {
	e := w.encoders.Get().(*lineEncoder)
	defer w.encoders.Put(e)
	e.reset()
	var sendErr error
	e.flush = func(payload []byte) bool {
		sendErr = w.post(ctx, payload)
		return sendErr == nil
	}
	e.maxLines, e.maxBytes = w.payloadMaxLines, w.payloadMaxBytes
	if !e.encodeMetrics(md) || !e.flushPayload() {
		return sendErr
	}
	if e.skipped > 0 {
		return consumererror.NewPermanent(fmt.Errorf("%d data point(s) not written to InfluxDB, the first: %w", e.skipped, e.firstErr))
	}
	return nil
}

func (w *writer) post(ctx context.Context, payload []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.writeURL, bytes.NewReader(payload))
	if err != nil {
		return consumererror.NewPermanent(err)
	}
	res, err := w.client.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	_ = res.Body.Close()
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return nil
	// InfluxDB's overload and outage answers: retried (by the queue in front).
	case res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("InfluxDB write returned %q: %s", res.Status, bytes.TrimSpace(body))
	default:
		return consumererror.NewPermanent(fmt.Errorf("InfluxDB write returned %q: %s", res.Status, bytes.TrimSpace(body)))
	}
}

var errNoFields = errors.New("no field to write")

// lineEncoder is reused across batches (pooled): its buffers grow to the largest payload and stay.
type lineEncoder struct {
	enc    lineprotocol.Encoder
	scope  []tag   // resource and scope tags of the metrics being encoded
	tags   []tag   // one point's tags
	fields []field // one point's fields
	lines  int

	maxLines, maxBytes int
	flush              func(payload []byte) bool

	skipped  int
	firstErr error
}

func newLineEncoder() *lineEncoder {
	e := &lineEncoder{}
	e.enc.SetPrecision(lineprotocol.Nanosecond)
	return e
}

func (e *lineEncoder) reset() {
	e.enc.Reset()
	e.enc.ClearErr()
	e.lines, e.skipped, e.firstErr = 0, 0, nil
}

// flushPayload sends what is encoded, if anything.
func (e *lineEncoder) flushPayload() bool {
	if e.lines == 0 {
		return true
	}
	ok := e.flush(e.enc.Bytes())
	e.enc.Reset()
	e.lines = 0
	return ok
}
