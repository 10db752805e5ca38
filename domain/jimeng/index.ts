export * from './models';
export * from './output-formats';
export * from './sites';
export type * from './requests';
