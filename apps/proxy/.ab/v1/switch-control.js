export {};
//# sourceMappingURL=switch-control.js.map