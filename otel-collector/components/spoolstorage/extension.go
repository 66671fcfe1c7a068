package spoolstorage // import "github.com/foursignals/otelcol-foursignals/extension/spoolstorage"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

type spoolExtension struct {
	cfg    *Config
	logger *zap.Logger

	mu      sync.Mutex
	clients []*client
}

var _ storage.Extension = (*spoolExtension)(nil)

func newExtension(cfg *Config, logger *zap.Logger) *spoolExtension {
	return &spoolExtension{cfg: cfg, logger: logger}
}

func (e *spoolExtension) Start(context.Context, component.Host) error {
	if e.cfg.CreateDirectory {
		if err := os.MkdirAll(e.cfg.Directory, 0o750); err != nil {
			return fmt.Errorf("spool_storage: cannot create directory %q: %w", e.cfg.Directory, err)
		}
	}
	info, err := os.Stat(e.cfg.Directory)
	if err != nil {
		return fmt.Errorf("spool_storage: directory %q: %w (set create_directory: true to create it)", e.cfg.Directory, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("spool_storage: %q is not a directory", e.cfg.Directory)
	}
	return nil
}

func (e *spoolExtension) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs error
	for _, c := range e.clients {
		errs = errors.Join(errs, c.Close(ctx))
	}
	e.clients = nil
	return errs
}

// GetClient opens the client's own subdirectory, named like file_storage names its database files.
func (e *spoolExtension) GetClient(_ context.Context, kind component.Kind, id component.ID, storageName string) (storage.Client, error) {
	name := strings.ToLower(kind.String()) + "_" + id.Type().String() + "_" + id.Name()
	if storageName != "" {
		name += "_" + storageName
	}
	c, err := openClient(filepath.Join(e.cfg.Directory, escape(name)), e.cfg.Fsync, e.logger)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.clients = append(e.clients, c)
	e.mu.Unlock()
	return c, nil
}
