// Runs s3rver in its own Node process, started by tests/helpers/s3.ts with --openssl-legacy-provider:
// s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only has in its
// legacy provider, so without it every listing past 1000 keys fails with an InternalError.
// Input: one JSON argument ({ directory, bucket, cors, port? }; port 0 or none: a free one).
// Output: one JSON line { port }. Exits when its stdin closes, so it never outlives the test process.
import S3rver from 's3rver';

const { directory, bucket, cors, port } = JSON.parse(process.argv[2] ?? '{}');
const server = new S3rver({
  address: '127.0.0.1',
  port: port ?? 0,
  silent: true,
  directory,
  vhostBuckets: false,
  configureBuckets: [{ name: bucket, configs: cors ? [cors] : [] }],
});
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);

const stop = async () => {
  await server.close().catch(() => {});
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
