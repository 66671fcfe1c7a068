// A DAU identity hook with a bug: it throws for every request.
module.exports = function identify() {
  throw new Error('identity hook bug');
};
