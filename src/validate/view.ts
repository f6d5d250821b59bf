// The Service as the rules see it lives in spec/ (the model's normalize reads it too, and model/ comes
// after validate/); still exported from here for the rules.
export type {
  HeaderOpsData,
  MatchData,
  Report,
  RouteData,
  ServiceIndex,
  ServiceSpecData,
  ServiceView,
} from '../spec/view.ts';
