/**
 * Errors typed by what happens next (DESIGN.md habit 8): a UserFacingError is the only text ever
 * shown in Slack; anything else is logged and answered with a generic apology.
 */
export class UserFacingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserFacingError';
  }
}
