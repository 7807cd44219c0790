// Child process for the proxy tests: the unmodified @twilio-labs/serverless-api client, configured as twilio-run
// configures it, lists the services (API host) and uploads one Function Version (upload host), through HTTP_PROXY.
import { TwilioServerlessApiClient, uploadFunction } from '@twilio-labs/serverless-api';

async function main(): Promise<void> {
  const config = { username: process.env.ACCOUNT_SID ?? '', password: process.env.AUTH_TOKEN ?? '' };
  const client = new TwilioServerlessApiClient(config);
  const { services } = await client.list({ ...config, types: 'services' });
  const serviceSid = services?.[0]?.sid ?? '';
  const versionSid = await uploadFunction(
    { name: 'hello', path: '/hello', access: 'protected', content: 'exports.handler = (c, e, cb) => cb(null, "hi");', sid: 'ZH00000000000000000000000000000001' },
    serviceSid,
    client,
    config,
  );
  console.log(JSON.stringify({ services: services?.map((service) => service.unique_name), versionSid }));
}

main().catch((error: unknown) => {
  console.log(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
  process.exitCode = 1;
});
