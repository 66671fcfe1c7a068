// Package spoolstorage is a storage extension for the exporters' persistent sending queues: one file per queue item
// in a directory, written once, read once, unlinked once.
//
// Why not contrib's file_storage: it keeps every item in one bbolt B+tree, and the persistent queue updates its small
// metadata key on every put, read and acknowledgement. bbolt rewrites the whole leaf that holds a changed key, and
// that leaf also holds the newest queued batches (each one large), so every batch was written to disk several times
// over: about 16 % of the collector's CPU under load (docs/scaling.md; upstream:
// open-telemetry/opentelemetry-collector#15384). The storage.Client interface is small, so this stays small too.
package spoolstorage // import "github.com/foursignals/otelcol-foursignals/extension/spoolstorage"

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
)

var componentType = component.MustNewType("spool_storage")

// Config of the extension.
type Config struct {
	// Directory holds one subdirectory per client (exporter and signal).
	Directory string `mapstructure:"directory"`
	// CreateDirectory creates Directory if it is missing.
	CreateDirectory bool `mapstructure:"create_directory"`
	// Fsync makes every write durable before it returns (power loss, not only a crash); slower. Off by default, like
	// file_storage: a collector crash or restart loses nothing either way.
	Fsync bool `mapstructure:"fsync"`
}

// Validate reports a missing directory.
func (c *Config) Validate() error {
	if c.Directory == "" {
		return errors.New("directory must be set")
	}
	return nil
}

// NewFactory creates the factory of the spool_storage extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(componentType, func() component.Config { return &Config{} },
		func(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
			return newExtension(cfg.(*Config), set.Logger), nil
		}, component.StabilityLevelDevelopment)
}
