// The package's API (SPEC §11): `import { startPortrait } from 'portrait'`.
export {
  type Portrait,
  type ServeOptions,
  type StartPortraitOptions,
  startPortrait,
  type TokenRequest,
} from './start-portrait.js';
export {
  type FixtureApp,
  type FixtureContact,
  FixtureError,
  type FixtureGroup,
  type Fixtures,
  type FixtureTenant,
  type FixtureUser,
} from './services/fixture-file.js';
