"""The `torchlet` command, in one package.

    main.py        the command line: parses, then hands each subcommand to its module
    registry.py    the models and datasets `train` knows, input transforms, splits
    train.py       `torchlet train` for image classifiers (also data-parallel, --nproc)
    train_lm.py    `torchlet train --task lm`: character / BPE language models
    checkpoint.py  the checkpoint format both trainers write and `evaluate` / `generate` read
    evaluate.py    `torchlet evaluate` and `torchlet predict`
    generate.py    `torchlet generate` (text from a language-model checkpoint)
    tokenize.py    `torchlet tokenize` (train a byte-level BPE tokenizer)

`python -m torchlet.cli ...` and `python -m torchlet ...` are the `torchlet` command
(`torchlet.cli.main:main`; this package does not re-export it, so that
`torchlet.cli.main` stays the module).
"""
