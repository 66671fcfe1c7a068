// Every environment variable the demo services read, in one place. The supervisor (`npm run demo -- up`) fills them
// from the stack's endpoints; a service started by hand can set them itself.

/** What a demo service needs to know about the world. */
export interface ServiceEnv {
  /** The HTTP port (APIs only). */
  port: number;
  shopDatabaseUrl: string;
  mesDatabaseUrl: string;
  rabbitmqUrl: string;
  /** Absent when the stack has no S3 store yet: the services then skip S3. */
  s3: S3Env | undefined;
  /** JSON file with the fault switches; polled once a second. */
  faultsFile: string;
  /** HS256 secret for the MES API's bearer tokens. */
  jwtSecret: string;
}

export interface S3Env {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  reportsBucket: string;
  imagesBucket: string;
}

export const DEFAULT_JWT_SECRET = 'foursignals-demo-not-a-secret';

function need(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`${name} is not set (start the services with \`npm run demo -- up\`)`);
  return v;
}

export function readServiceEnv(env: NodeJS.ProcessEnv = process.env): ServiceEnv {
  const s3Endpoint = env.DEMO_S3_ENDPOINT;
  return {
    port: Number(env.PORT ?? 0),
    shopDatabaseUrl: need(env, 'DEMO_SHOP_DATABASE_URL'),
    mesDatabaseUrl: need(env, 'DEMO_MES_DATABASE_URL'),
    rabbitmqUrl: need(env, 'DEMO_RABBITMQ_URL'),
    s3: s3Endpoint
      ? {
          endpoint: s3Endpoint,
          accessKeyId: env.DEMO_S3_ACCESS_KEY_ID ?? 'any',
          secretAccessKey: env.DEMO_S3_SECRET_ACCESS_KEY ?? 'any',
          region: env.DEMO_S3_REGION ?? 'us-east-1',
          reportsBucket: env.DEMO_S3_REPORTS_BUCKET ?? 'mes-reports',
          imagesBucket: env.DEMO_S3_IMAGES_BUCKET ?? 'shop-images',
        }
      : undefined,
    faultsFile: env.DEMO_FAULTS_FILE ?? '',
    jwtSecret: env.DEMO_JWT_SECRET ?? DEFAULT_JWT_SECRET,
  };
}
